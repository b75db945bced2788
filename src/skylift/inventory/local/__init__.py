"""The local-machine importer (:mod:`.importer`, the public entry): network sockets
(:mod:`.network`) and utilisation sampling (:mod:`.sampler`)."""
