"""One-line descriptions of settings for banners and summaries (what the prices are)."""

from __future__ import annotations

from tradewind.config.root import TradewindConfig


def data_note(cfg: TradewindConfig, source: str | None = None) -> str:
    """What the prices of ``cfg`` are, said so that nobody takes synthetic ones for real.

    ``source`` overrides ``data.source`` (the provider actually built, e.g. after ``--data``).
    """
    name = source or cfg.data.source
    if name == "bundled":
        return "Bundled data: historical prices (skfolio/arch, ending 2022), not live."
    if name == "synthetic":
        return f"Synthetic market (seed {cfg.data.synthetic.seed}): not real prices."
    if name == "files":
        return f"Your price files ({cfg.data.path})."
    return f"Data source: {name}."
