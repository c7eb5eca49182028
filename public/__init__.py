"""Pages for residents, no login: ready lists, my card, checking a Suket."""
