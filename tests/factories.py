"""factory-boy factories for the cast of users and jurisdictions."""

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group

from accounts.models import Jurisdiction, User

TOTP_SECRET = "JBSWY3DPEHPK3PXP"
PASSWORD = "correct horse battery staple"


class JurisdictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jurisdiction

    name = factory.Sequence(lambda n: f"Jurisdiction {n}")
    code = factory.Sequence(lambda n: f"j{n}")
    level = Jurisdiction.Level.NATIONAL
    status = Jurisdiction.Status.FULL_MEMBER
    group = factory.LazyAttribute(lambda o: Group.objects.create(name=f"jurisdiction:{o.code}"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"official{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Official {n}")
    handle = factory.LazyAttribute(lambda o: o.email.split("@")[0])
    jurisdiction = factory.SubFactory(JurisdictionFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def finish(self, create, extracted, **kwargs):
        if not create:
            return
        self.save()
        if self.jurisdiction_id:
            self.groups.add(self.jurisdiction.group)
        EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    class Params:
        secretariat = factory.Trait(jurisdiction=None, is_secretariat=True)


def enrol_totp(user: User) -> None:
    TOTP.activate(user, TOTP_SECRET)
