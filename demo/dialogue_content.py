"""Demo dialogue workspaces and threaded discussions for the Enclave demo world.

Each workspace lists its participating jurisdictions, observer policy and
facilitators, plus threads of nested posts. Authors are demo users' local parts;
bodies are Markdown. Content is illustrative and does not state any jurisdiction's
actual negotiating position.
"""

WORKSPACES: list[dict] = [
    {
        "slug": "offsets",
        "title": "Offsets and carbon removals",
        "purpose": (
            "A standing technical dialogue on the role of offset credits and carbon removals in "
            "compliance markets. Participants compare **quality criteria**, usage limits and MRV "
            "approaches, and work towards shared reference points on permanence and reversal risk. "
            "Observers may contribute to general threads; draft texts and negotiating positions "
            "are discussed among full members only."
        ),
        "observer_policy": "contribute",
        "jurisdictions": ["eu", "ca-cal", "ca-qc", "nz", "kr", "cl", "jp"],
        "facilitators": ["secretariat"],
        "threads": [
            {
                "title": "Quality criteria for offset eligibility: where do our rules converge?",
                "author": "secretariat",
                "audience": "everyone",
                "body": (
                    "Ahead of the next session, the Secretariat is preparing a comparison of how "
                    "each jurisdiction in this workspace defines offset quality. For discussion, "
                    "we propose grouping the criteria into four families:\n\n"
                    "1. **Additionality** – regulatory surplus, financial and common-practice "
                    "tests\n"
                    "2. **Permanence** – minimum durations and the handling of reversals\n"
                    "3. **MRV** – quantification methods, verification frequency, verifier "
                    "accreditation\n"
                    "4. **Governance** – registries, double-counting safeguards, corresponding "
                    "adjustments\n\n"
                    "Could each delegation confirm whether this grouping maps onto your own rules, "
                    "and flag anything that does not fit? We will circulate a consolidated table "
                    "before the session."
                ),
                "replies": [
                    {
                        "author": "california",
                        "body": (
                            "Thanks, Lena – the grouping works for us. One suggestion: our rules "
                            "treat **invalidation** as distinct from permanence. A credit can be "
                            "invalidated after issuance if the project is later found out of "
                            "regulatory compliance, and that liability sits with the buyer rather "
                            "than the developer. It would get lost if folded into "
                            '"permanence".\n\n'
                            "We also have a geographic element – part of offset use must deliver "
                            "direct environmental benefits in the state – which doesn't fit any of "
                            "the four families."
                        ),
                        "replies": [
                            {
                                "author": "quebec",
                                "body": (
                                    "Agreed with @california on invalidation as its own category. "
                                    "Our approach differs: in Québec the risk sits largely with "
                                    "the project promoter and an environmental integrity account, "
                                    "not with the emitter surrendering the credit.\n\n"
                                    "For the table, it may help to add a column asking simply "
                                    "**who bears the risk** at each stage – issuance, surrender, "
                                    "reversal."
                                ),
                                "replies": [],
                            },
                        ],
                    },
                    {
                        "author": "eu",
                        "body": (
                            "A caveat from the EU side: international credits currently have no "
                            "role in EU ETS compliance, so our input is mostly about the "
                            "certification framework for removals, and about what any future role "
                            "for high-quality international credits would require. That discussion "
                            "is at an early stage and nothing here should be read as a "
                            "position.\n\n"
                            "On the grouping, I'd add **safeguards and co-benefits** as a fifth "
                            "family – it is increasingly where the Article 6.4 standards and the "
                            "voluntary-market integrity initiatives are putting their effort."
                        ),
                        "replies": [],
                    },
                    {
                        "author": "japan",
                        "body": (
                            "Speaking as an observer: this is very useful. Our current design work "
                            "for the GX-ETS contemplates a role for J-Credits and JCM credits, so "
                            "the comparison of additionality tests is directly relevant.\n\n"
                            "We would be particularly interested in how others handle "
                            "**common-practice** tests where a technology is already widespread in "
                            "one jurisdiction but not in another."
                        ),
                        "replies": [],
                    },
                    {
                        "author": "chile",
                        "body": (
                            "Thank you for including observers. Chile's carbon tax already allows "
                            "regulated sources to offset part of their tax liability with "
                            "reductions from qualifying projects, and we are considering how that "
                            "could carry over to a future trading system.\n\n"
                            "Could the table also cover how each jurisdiction **accredits "
                            "verification bodies**? Verifier capacity has been one of our main "
                            "bottlenecks."
                        ),
                        "replies": [],
                    },
                ],
            },
            {
                "title": "Article 6.4 and CORSIA: one reference standard or several?",
                "author": "korea",
                "audience": "everyone",
                "body": (
                    "Korea's system allows a limited share of compliance through offset credits, "
                    "including credits from certain international projects developed by Korean "
                    "entities. As the Article 6.4 mechanism becomes operational, we are reviewing "
                    "how our eligibility rules should reference it.\n\n"
                    "The practical questions for us:\n\n"
                    "- Should Article 6.4 issuance be treated as **sufficient**, or only "
                    "**necessary**, for eligibility?\n"
                    "- How should we treat units that are CORSIA-eligible but lack a corresponding "
                    "adjustment?\n"
                    "- Is there value in a shared positive list of methodologies among ETS "
                    "jurisdictions?\n\n"
                    "Preliminary views are very welcome."
                ),
                "replies": [
                    {
                        "author": "eu",
                        "body": (
                            "A preliminary, technical view, @korea: I'd be cautious about treating "
                            "any external issuance as sufficient. The Supervisory Body has made "
                            "real progress on standards, including for removals, but compliance "
                            "markets need things a crediting mechanism isn't designed to carry – "
                            "liability for reversals over long horizons, for example.\n\n"
                            "Treating 6.4 as a **floor**, plus jurisdiction-specific conditions, "
                            "seems more robust."
                        ),
                        "replies": [
                            {
                                "author": "korea",
                                "body": (
                                    "That's helpful, and a floor-plus approach is close to where "
                                    "our domestic review is heading. The question then becomes how "
                                    "many add-on conditions a jurisdiction can impose before the "
                                    "common floor loses its value for developers. If every ETS "
                                    "adds five conditions, we have recreated fragmentation."
                                ),
                                "replies": [
                                    {
                                        "author": "secretariat",
                                        "body": (
                                            "This could be a good candidate for a short technical "
                                            "paper mapping the additional conditions jurisdictions "
                                            "actually impose – vintage, host-country "
                                            "authorisation, corresponding adjustments, sector "
                                            "exclusions – and how far they overlap. @eu @korea, "
                                            "would you be willing to review a first draft?"
                                        ),
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                    {
                        "author": "japan",
                        "body": (
                            "For context: under the JCM, Japan and partner countries already apply "
                            "corresponding adjustments bilaterally, and we are aligning procedures "
                            "with Article 6.2 reporting.\n\n"
                            "In our experience the hardest practical issue is not methodology but "
                            "the **host-country authorisation** – its content and its timing. A "
                            "shared positive list might usefully cover authorisation practice as "
                            "well."
                        ),
                        "replies": [],
                    },
                    {
                        "author": "chile",
                        "body": (
                            "On units without corresponding adjustments: as a host country, Chile "
                            "is careful about which activities it authorises for international "
                            "transfer, because every adjustment affects our own NDC accounting.\n\n"
                            "Buyer jurisdictions that require adjustments should be aware this "
                            "creates real trade-offs for hosts. Early dialogue on which sectors a "
                            "host is prepared to authorise would be very valuable."
                        ),
                        "replies": [],
                    },
                ],
            },
            {
                "title": "MRV for engineered removals: DACCS and BECCS",
                "author": "eu",
                "audience": "everyone",
                "body": (
                    "The EU's certification framework for carbon removals is moving into "
                    "implementation, and the methodologies for permanent removals – **DACCS**, "
                    "**BECCS** and biochar – raise several technical questions. I'd like to "
                    "compare notes on three:\n\n"
                    "1. **Life-cycle boundaries** – netting out upstream energy use and biomass "
                    "supply-chain emissions\n"
                    "2. **Storage monitoring** – post-injection monitoring and transfer of "
                    "liability to the competent authority\n"
                    "3. **Double claiming** – a removal counted both by a certificate holder and "
                    "in an operator's ETS reporting\n\n"
                    "Does anyone have draft rules on these that can be shared at a technical level?"
                ),
                "replies": [
                    {
                        "author": "california",
                        "body": (
                            "We can share some thinking. The CCS protocol under our low-carbon "
                            "fuel programme requires site characterisation, a monitoring plan and "
                            "post-injection site care over a very long period – on the order of a "
                            "century – backed by financial responsibility instruments.\n\n"
                            "The hard part has been **leakage detection thresholds**: how small a "
                            "release must be detectable before a monitoring plan is considered "
                            "adequate."
                        ),
                        "replies": [
                            {
                                "author": "eu",
                                "body": (
                                    "Thanks @california, very useful. Under our storage rules, "
                                    "responsibility transfers to the State once closure conditions "
                                    "are met, so our focus is on those conditions rather than "
                                    "century-long operator obligations.\n\n"
                                    "For BECCS, we expect most disagreement on biomass "
                                    "sustainability – especially forest biomass with slow carbon "
                                    "payback."
                                ),
                                "replies": [
                                    {
                                        "author": "nz",
                                        "body": (
                                            "On forest biomass: how will you handle the "
                                            "interaction with land-sector accounting? In NZ, "
                                            "harvest emissions from plantation forests are "
                                            "accounted for in the ETS, so a BECCS operator using "
                                            "domestic biomass could in principle be credited for a "
                                            "removal whose upstream carbon is already accounted "
                                            "for. We haven't resolved this and would welcome a "
                                            "joint look."
                                        ),
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                    {
                        "author": "japan",
                        "body": (
                            "Japan has a strong interest in CCS value chains, including "
                            "cross-border transport of CO2 for storage in partner countries. The "
                            "question of **which jurisdiction's MRV applies** to a tonne captured "
                            "in one country and stored in another seems under-explored. Is anyone "
                            "looking at mutual recognition of storage-site permits?"
                        ),
                        "replies": [],
                    },
                    {
                        "author": "cochair",
                        "body": (
                            "Good set of questions. I'd suggest treating cross-border CCS "
                            "separately, since it raises treaty questions under the London "
                            "Protocol as well as MRV.\n\n"
                            "@secretariat, could we schedule it for the session after next, once "
                            "the EU can report back on its implementing methodologies?"
                        ),
                        "replies": [],
                    },
                ],
            },
            {
                "title": "Forestry removals: reversal risk, buffers and averaging",
                "author": "nz",
                "audience": "everyone",
                "body": (
                    "Forestry is the largest source of removals in the NZ ETS, and design choices "
                    "around it have had large market effects. For discussion:\n\n"
                    "- **Averaging accounting** for newer plantation forests, where units are "
                    "earned up to the long-term average carbon stock rather than the rotation "
                    "peak\n"
                    "- Surrender obligations on deforestation and carbon stock loss\n"
                    "- The continuing debate on permanent exotic forests\n\n"
                    "The broader question: if forestry removals enter compliance markets in "
                    "volume, what is the right balance between **buffer pools** and **direct "
                    "liability** for reversals, with fire and climate risk rising?"
                ),
                "replies": [
                    {
                        "author": "california",
                        "body": (
                            "Our forest protocol relies on a programme-wide **buffer pool** for "
                            "unintentional reversals. Recent wildfire seasons have drawn on it "
                            "more heavily than assumed when contribution rates were set, which has "
                            "prompted a review of the risk ratings.\n\n"
                            "Our lesson: buffer contributions should be reviewed against updated "
                            "climate-risk modelling on a fixed cycle, not left static."
                        ),
                        "replies": [
                            {
                                "author": "nz",
                                "body": (
                                    "That matches our concerns. Averaging partly sidesteps the "
                                    "issue for plantation forestry: harvest doesn't create a "
                                    "liability as long as the forest is replanted. But permanent "
                                    "forests have no such cushion, and fire or pest risk falls "
                                    "fully on the participant."
                                ),
                                "replies": [],
                            },
                        ],
                    },
                    {
                        "author": "chile",
                        "body": (
                            "With significant native forest and plantation cover, this thread is "
                            "very relevant to us. Our worry is that stringent liability rules "
                            "could exclude smallholders. Has anyone experimented with **aggregated "
                            "participation** for small forest owners, where an aggregator takes on "
                            "the liability?"
                        ),
                        "replies": [
                            {
                                "author": "nz",
                                "body": (
                                    "@chile – yes, NZ has had mixed experience with forestry "
                                    "aggregators. The main lesson: be explicit in the rules about "
                                    "who holds the surrender obligation if the aggregator exits or "
                                    "fails. Happy to share a written summary through the "
                                    "Secretariat."
                                ),
                                "replies": [],
                            },
                        ],
                    },
                ],
            },
            {
                "title": "Co-Chair draft: permanence and liability for removals (v0.3)",
                "author": "cochair",
                "audience": "full_members",
                "body": (
                    "Colleagues, v0.3 of the Co-Chair's draft framework on permanence and "
                    "liability for removals is now in the session folder. It is **not for "
                    "circulation beyond full members**; observers will receive a summary once the "
                    "text is stable.\n\n"
                    "Main changes from v0.2:\n\n"
                    "1. A **tiered permanence** concept: geological storage, medium-term storage "
                    "(biochar, mineralisation) and temporary storage (forestry, soils)\n"
                    "2. Reversal liability sits with the operator during a monitoring period, then "
                    "with a programme-level buffer\n"
                    "3. Fungibility with allowances is left **explicitly open**\n\n"
                    "Written comments before the next session would be appreciated, especially on "
                    "paragraph 4 (transfer of liability)."
                ),
                "replies": [
                    {
                        "author": "eu",
                        "body": (
                            "Thank you, Aroha. The tiering is helpful. Our difficulty is paragraph "
                            "6: any text implying that temporary removals could be treated as "
                            "equivalent to allowances would be hard for us to support, given our "
                            "ongoing internal discussion on the role of removals after 2030.\n\n"
                            "Could we add a bracketed option restricting fungibility to the "
                            "geological tier?"
                        ),
                        "replies": [
                            {
                                "author": "california",
                                "body": (
                                    "We could live with brackets, but I'd resist a "
                                    "permanent/temporary binary – our forestry offsets carry "
                                    "long-duration commitments and buffer coverage. Suggested "
                                    "wording:\n\n"
                                    "> fungibility conditional on liability arrangements of "
                                    "equivalent environmental integrity\n\n"
                                    "It keeps the door open without endorsing anything."
                                ),
                                "replies": [],
                            },
                        ],
                    },
                    {
                        "author": "quebec",
                        "body": (
                            "On paragraph 4: the text should distinguish more clearly between "
                            "**intentional** and **unintentional** reversals. Our regime treats "
                            "them differently, and an undifferentiated transfer of liability to a "
                            "buffer would create moral hazard in intentional cases. One sentence "
                            "would do it."
                        ),
                        "replies": [],
                    },
                    {
                        "author": "korea",
                        "body": (
                            "Korea supports the tiering, and in particular the monitoring-period "
                            "approach in paragraph 4. On process: some of our domestic "
                            "consultations are ongoing, so we'd prefer the observer summary not "
                            "describe the options in detail. Could it set out the structure of the "
                            "framework without the bracketed text?"
                        ),
                        "replies": [
                            {
                                "author": "secretariat",
                                "body": (
                                    "Understood. Proposed approach: the observer summary will "
                                    "describe the three tiers and the open questions at a high "
                                    "level, with no bracketed options and no attribution to "
                                    "jurisdictions. We'll send it to full members for a "
                                    "five-working-day no-objection period before sharing."
                                ),
                                "replies": [],
                            },
                        ],
                    },
                    {
                        "author": "nz",
                        "body": (
                            "NZ comment, separate from the Co-Chair role: we support @quebec on "
                            "intentional reversals – our deforestation liabilities already work "
                            "that way. We'd also suggest paragraph 8 reference periodic review of "
                            "buffer rates against climate-risk data, consistent with the forestry "
                            "thread."
                        ),
                        "replies": [],
                    },
                ],
            },
        ],
    },
    {
        "slug": "market-stability",
        "title": "Market stability mechanisms",
        "purpose": (
            "A closed dialogue among the EU, California and Québec on supply-side adjustment and "
            "price containment. Participants compare how **quantity-based** and **price-based** "
            "tools perform, share lessons from programme reviews, and identify the design choices "
            "that matter most for predictability."
        ),
        "observer_policy": "none",
        "jurisdictions": ["eu", "ca-cal", "ca-qc"],
        "facilitators": ["secretariat"],
        "threads": [
            {
                "title": "MSR intake rate and thresholds: lessons for the review",
                "author": "eu",
                "audience": "everyone",
                "body": (
                    "With the MSR review approaching, we're looking at how the intake rate and the "
                    "TNAC thresholds have performed. The issues on our list, for discussion:\n\n"
                    "- Whether a fixed **intake rate** remains appropriate as the cap declines and "
                    "the TNAC shrinks\n"
                    "- The step effect at the upper threshold, where intake changes sharply around "
                    "a single number\n"
                    "- The interaction between invalidation of MSR holdings and the long-term cap "
                    "trajectory\n\n"
                    "How do WCI colleagues see a purely quantity-based trigger compared with your "
                    "price-based reserves? Does a quantity trigger ever come up in your own "
                    "reviews?"
                ),
                "replies": [
                    {
                        "author": "california",
                        "body": (
                            "It comes up mostly as **allowance overhang**. Our reviews have looked "
                            "at banked allowances relative to future budgets, and some "
                            "stakeholders argue for removing surplus. But we have tended to act "
                            "through cap-setting rather than an automatic rule – partly for legal "
                            "reasons, as automatic removal is harder to fit within our statutory "
                            "framework."
                        ),
                        "replies": [
                            {
                                "author": "eu",
                                "body": (
                                    "A key reason we chose an automatic mechanism was "
                                    "**predictability** – participants know the rule, so "
                                    "adjustments are priced in. The trade-off is the threshold "
                                    "step: when TNAC hovers near a threshold, small data revisions "
                                    "can swing intake a lot. One option we're examining is a "
                                    "smoother, graduated intake function."
                                ),
                                "replies": [
                                    {
                                        "author": "quebec",
                                        "body": (
                                            "A graduated function sounds sensible. One caution: "
                                            "the more parameters, the harder it is for smaller "
                                            "entities to anticipate outcomes. Many of our "
                                            "participants have modest holdings and rely on simple "
                                            "published rules. Could the function be expressed as a "
                                            "lookup table published in advance?"
                                        ),
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                    {
                        "author": "secretariat",
                        "body": (
                            "For the session we could prepare a side-by-side of the mechanisms: "
                            "the MSR, the WCI reserve tiers and price ceiling, and the auction "
                            "reserve price. @eu, would stylised TNAC scenarios help illustrate the "
                            "threshold step? We would use illustrative numbers only, clearly "
                            "labelled as such."
                        ),
                        "replies": [],
                    },
                ],
            },
            {
                "title": "Price containment: reserve tiers, the ceiling, and reaching it",
                "author": "california",
                "audience": "everyone",
                "body": (
                    "Our linked programme uses an **Allowance Price Containment Reserve** with "
                    "price tiers, plus a **price ceiling** at which additional units become "
                    "available. The ceiling has not been reached to date, but its design is "
                    "debated often.\n\n"
                    "Questions for discussion:\n\n"
                    "1. If the ceiling is reached, how should the emissions associated with "
                    "ceiling sales be accounted for?\n"
                    "2. Should tier prices follow a fixed escalator or track market conditions?\n"
                    "3. How does the EU weigh discretionary price-related interventions against a "
                    "pre-set trigger?\n\n"
                    "Our own rulemaking is ongoing and nothing here reflects a decision."
                ),
                "replies": [
                    {
                        "author": "quebec",
                        "body": (
                            "On question 1, Québec's view is that units sold at the ceiling should "
                            "be backed by **real reductions** – whether procured elsewhere or "
                            "drawn from future budgets. Otherwise the ceiling becomes a leak in "
                            "the cap. The current design reflects that concern, but there are "
                            "practical limits on how quickly reductions could be sourced."
                        ),
                        "replies": [
                            {
                                "author": "california",
                                "body": (
                                    "Agreed, though the ceiling is also a political commitment: it "
                                    "signals that costs cannot rise without limit. Tightening how "
                                    "it is backed risks weakening that signal. I think this is a "
                                    "genuine tension rather than something a drafting fix can "
                                    "resolve."
                                ),
                                "replies": [],
                            },
                        ],
                    },
                    {
                        "author": "eu",
                        "body": (
                            "On question 3: our price-related provisions are **discretionary** – "
                            "they trigger a process, not an automatic release. That made sense "
                            "with the MSR already handling quantity, but recent price episodes "
                            "showed how slow a discretionary process can feel to the market.\n\n"
                            "A pre-set trigger is more transparent; a discretionary process allows "
                            "judgement about causes. I'm not sure either is clearly better."
                        ),
                        "replies": [
                            {
                                "author": "quebec",
                                "body": (
                                    "A fair characterisation. In our experience, participants "
                                    "value knowing the **sequence** – which tier releases first, "
                                    "at what price, in what volume. Even if the final decision "
                                    "involves judgement, publishing the sequence reduces "
                                    "uncertainty. That was one of the clearer lessons from our "
                                    "early joint auctions."
                                ),
                                "replies": [],
                            },
                        ],
                    },
                    {
                        "author": "secretariat",
                        "body": (
                            "Picking up the point on sequencing: the Secretariat could draft a "
                            "two-to-three page note on **predictability principles** for price "
                            "containment – publication of the release sequence, trigger prices and "
                            "volumes – which each jurisdiction could reference in its own review "
                            "without committing to a particular mechanism.\n\n"
                            "@california, @quebec, @eu – please nominate a drafting contact if you "
                            "would like to take part."
                        ),
                        "replies": [],
                    },
                ],
            },
            {
                "title": "Auction reserve prices and the treatment of unsold allowances",
                "author": "quebec",
                "audience": "everyone",
                "body": (
                    "Our joint auctions have occasionally been undersubscribed, particularly "
                    "during economic disruption. Under the current rules, unsold allowances are "
                    "re-offered only once auctions have cleared above the reserve price for a "
                    "period, and allowances left unsold for an extended time move to the "
                    "reserve.\n\n"
                    "I'd like to compare:\n\n"
                    "- How **auction reserve prices** are set and escalated\n"
                    "- What happens to unsold volumes\n"
                    "- Whether the EU's approach – no reserve price, but auction cancellation and "
                    "redistribution – would work in a smaller market"
                ),
                "replies": [
                    {
                        "author": "california",
                        "body": (
                            "Our reserve price escalates annually by a fixed percentage plus "
                            "inflation. That **predictable floor** has mattered a great deal to "
                            "investors. The downside is that in a downturn the floor binds and "
                            "unsold volumes build quickly; moving long-unsold allowances into the "
                            "reserve then acts as a partial automatic stabiliser."
                        ),
                        "replies": [],
                    },
                    {
                        "author": "eu",
                        "body": (
                            "We have no reserve price in that sense. An auction can be cancelled "
                            "if the clearing price is significantly below the secondary-market "
                            "price, with the volume spread over later auctions. That protects "
                            "against a single bad auction but doesn't set a floor.\n\n"
                            "In a market our size, secondary-market liquidity does much of the "
                            "work a floor does in yours. I'd be cautious about assuming that "
                            "transfers to a smaller market."
                        ),
                        "replies": [
                            {
                                "author": "quebec",
                                "body": (
                                    "That's our intuition too. For a smaller jurisdiction the "
                                    "floor also has a **fiscal dimension** – auction revenue funds "
                                    "our climate programmes, and a predictable minimum helps "
                                    "planning. Has the EU considered a floor for the new system "
                                    "covering buildings and road transport?"
                                ),
                                "replies": [
                                    {
                                        "author": "eu",
                                        "body": (
                                            "Not as such – that system has a supply-side mechanism "
                                            "with a price-related release, designed to limit "
                                            "upside risk rather than set a floor. The debate there "
                                            "has been almost entirely about price spikes. Your "
                                            "point on revenue predictability is well taken; I'll "
                                            "pass it on to colleagues."
                                        ),
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                ],
            },
        ],
    },
    {
        "slug": "linking",
        "title": "Linking",
        "purpose": (
            "A restricted dialogue among the EU, New Zealand and the Republic of Korea on the "
            "technical and institutional prerequisites for linking emissions trading systems. "
            "Participants examine precedents, registry interoperability and the treatment of "
            "containment and allocation rules, **without prejudice** to any decision to link."
        ),
        "observer_policy": "none",
        "jurisdictions": ["eu", "nz", "kr"],
        "facilitators": ["secretariat"],
        "threads": [
            {
                "title": "Precedents: what WCI and EU–Switzerland tell us about sequencing",
                "author": "secretariat",
                "audience": "everyone",
                "body": (
                    "To frame the discussion, the Secretariat has summarised two precedents:\n\n"
                    "- **California–Québec**: a linkage built on harmonised regulations from the "
                    "outset, with joint auctions and a shared registry platform\n"
                    "- **EU–Switzerland**: an agreement between two pre-existing systems, in which "
                    "Switzerland aligned key design features and the registries were connected\n\n"
                    "In both cases, alignment on **essential criteria** came before the technical "
                    "link. For discussion: which features would each of you consider essential, "
                    "and which could differ?"
                ),
                "replies": [
                    {
                        "author": "eu",
                        "body": (
                            "The EU–Switzerland agreement is instructive: it took years of "
                            "negotiation and annexes a list of essential criteria. Our baseline "
                            "expectations are a **mandatory system with an absolute cap**, "
                            "comparable ambition, and no containment measure that could bring "
                            "unlimited additional supply into the linked market. These reflect "
                            "long-standing conditions in our legislation."
                        ),
                        "replies": [
                            {
                                "author": "korea",
                                "body": (
                                    "Thank you, @eu. Korea is aligned on the absolute cap. Our "
                                    "question concerns **market-stabilisation measures**: we have "
                                    "a market-maker arrangement using government reserve "
                                    "allowances, and our allocation committee can intervene in "
                                    "defined circumstances. Would these be seen as compatible, or "
                                    "would they need harmonising first?"
                                ),
                                "replies": [
                                    {
                                        "author": "eu",
                                        "body": (
                                            "Honestly, it depends on the details – mainly whether "
                                            "an intervention can change total supply. Measures "
                                            "that only affect liquidity, such as market makers "
                                            "drawing on a defined reserve that is later returned, "
                                            "are easier to accommodate than discretionary supply "
                                            "changes. We'd need to look at the specific rules "
                                            "together."
                                        ),
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                    {
                        "author": "nz",
                        "body": (
                            "Our own history is relevant: NZ had open access to international "
                            "units until 2015 and saw what an unrestricted link did to domestic "
                            "prices. Any future link would need to be gradual and reversible.\n\n"
                            "We're interested in **restricted linking** as a transition – one-way "
                            "recognition, quantitative limits or exchange rates."
                        ),
                        "replies": [
                            {
                                "author": "cochair",
                                "body": (
                                    "Adding to @nz: sequencing matters for domestic legitimacy as "
                                    "much as market design. Stakeholders accept linking more "
                                    "readily when they can see a staged path with review points. "
                                    "This dialogue could map a generic sequence and the decision "
                                    "points between stages:\n\n"
                                    "1. Alignment of essential criteria\n"
                                    "2. Registry and data work\n"
                                    "3. Restricted linking\n"
                                    "4. Full linking"
                                ),
                                "replies": [],
                            },
                        ],
                    },
                ],
            },
            {
                "title": "Registry interoperability: technical prerequisites",
                "author": "korea",
                "audience": "everyone",
                "body": (
                    "Korea's registry was developed independently, and we have started asking what "
                    "interoperability would actually require. Our technical review identifies four "
                    "main items:\n\n"
                    "1. **Unit identifiers** and serial-number formats\n"
                    "2. Transaction protocols and messaging standards\n"
                    "3. Security requirements, including know-your-customer rules for account "
                    "holders\n"
                    "4. Rules on which account types may hold foreign units\n\n"
                    "Which of these proved hardest in practice?"
                ),
                "replies": [
                    {
                        "author": "eu",
                        "body": (
                            "For the EU–Swiss link, the technical connection took longer than "
                            "expected, mostly because of **security requirements**: each side "
                            "needed assurance that the other registry met equivalent standards and "
                            "that incident procedures were aligned. Unit identifiers were "
                            "comparatively easy. My advice: start the security dialogue early."
                        ),
                        "replies": [],
                    },
                    {
                        "author": "nz",
                        "body": (
                            "Our registry is small and was built for one domestic unit type plus "
                            "legacy international units. When we held Kyoto units, the rules on "
                            "which accounts could hold them and what could be surrendered became "
                            "complicated quickly. Keeping **account-level restrictions** simple is "
                            "worth a lot."
                        ),
                        "replies": [
                            {
                                "author": "korea",
                                "body": (
                                    "Very useful, thank you both. On item 4: our rules allow "
                                    "certain financial institutions and the market makers to hold "
                                    "KAUs, which would affect who could hold foreign units too. Do "
                                    "either of you restrict holdings of linked units by account "
                                    "type?"
                                ),
                                "replies": [
                                    {
                                        "author": "eu",
                                        "body": (
                                            "Under our link, units from both systems are "
                                            "recognised for compliance, and account access is set "
                                            "by each registry. The trickier issue is **KYC "
                                            "equivalence**: if opening an account is easier in one "
                                            "system, it becomes the gateway to the whole linked "
                                            "market."
                                        ),
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                ],
            },
            {
                "title": "Free allocation, leakage and CBAM in a linked market",
                "author": "eu",
                "audience": "everyone",
                "body": (
                    "With **CBAM** entering its definitive period and free allocation in CBAM "
                    "sectors being phased down, a linked market raises new questions:\n\n"
                    "- If free allocation rules differ between linked partners, could that create "
                    "leakage *within* the linked market?\n"
                    "- How would a carbon price paid in a linked partner be recognised under "
                    "CBAM?\n"
                    "- Would linking require harmonised benchmarks?\n\n"
                    "We are not proposing anything here. The aim is to understand the issues "
                    "partners would face."
                ),
                "replies": [
                    {
                        "author": "korea",
                        "body": (
                            "This is a live question for Korea, as several trade-exposed sectors "
                            "export steel and aluminium to the EU. Our free allocation uses its "
                            "own benchmarks and leakage criteria. We understand CBAM allows a "
                            "deduction for the carbon price effectively paid in the country of "
                            "origin, but how free allocation is reflected in that calculation "
                            "matters a great deal to our industry."
                        ),
                        "replies": [
                            {
                                "author": "eu",
                                "body": (
                                    "Yes – the methodology for the effective carbon price, net of "
                                    "free allocation and rebates, is being set out in implementing "
                                    "rules. A linked market might allow a simpler treatment, but "
                                    "that would probably require **comparable free allocation "
                                    "rules**, which is one reason allocation has featured in past "
                                    "linking discussions."
                                ),
                                "replies": [
                                    {
                                        "author": "korea",
                                        "body": (
                                            "Understood. Partial harmonisation – for example, "
                                            "common benchmarks in CBAM sectors only – might be a "
                                            "useful waystation. We could prepare a short paper "
                                            "describing our benchmark methodology for comparison "
                                            "at the next session. It would also help our industry "
                                            "understand where the real gaps are."
                                        ),
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                    {
                        "author": "nz",
                        "body": (
                            "For NZ the CBAM interaction matters less: our industrial allocation "
                            "is intensity-based and phasing down, and our exports to the EU are "
                            "less exposed. The bigger question for us is **forestry**: in a linked "
                            "market, removal units from NZ could flow to partners. We'd need a "
                            "shared view on whether that is desirable or needs a limit."
                        ),
                        "replies": [],
                    },
                    {
                        "author": "cochair",
                        "body": (
                            "I'd suggest treating CBAM interactions as a standing item, since the "
                            "rules will keep evolving. @secretariat, could we ask for a brief "
                            "implementation update from the EU at each session, plus partners' "
                            "experience from industry? That would keep the discussion grounded in "
                            "practice rather than in the legal text alone."
                        ),
                        "replies": [],
                    },
                ],
            },
        ],
    },
]
