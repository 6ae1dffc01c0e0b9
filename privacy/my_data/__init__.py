"""My data: an official's own personal-data export (the page, the archive, its download)."""
