"""The data mover: diff, scheduler, journal, hashing, atomic commit, relay."""
