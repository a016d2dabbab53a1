"""The engine: one cycle per clock tick, the same code for backtests, replays, paper and live.

It knows the Protocols its parts implement (:mod:`tradewind.engine.protocols`) and never a
concrete adapter; what differs between runs (clock, feed, broker, risk state's home) is injected.
"""
