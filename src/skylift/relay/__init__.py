"""The multipath relay: a sender and a receiver agent for WAN transfers.

Content-defined chunks, deduplication, per-chunk compression and several
network paths at once, on top of the data mover (:mod:`skylift.transfer`).
"""
