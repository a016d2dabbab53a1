"""A PNG of regimes shaded over a price series (matplotlib, optional dependency)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from tradewind.domain.errors import TradewindError

COLORS: Mapping[str, str] = {
    "BULL": "#2ca02c",
    "BEAR": "#d62728",
    "CHOPPY": "#ff7f0e",
    "VOLATILE": "#9467bd",
}


def _runs(regimes: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp, str]]:
    r = regimes.dropna().astype(str)
    if r.empty:
        return []
    change = r.ne(r.shift())
    starts = list(r.index[change])
    labels = list(r[change])
    ends = [*starts[1:], r.index[-1]]
    return list(zip(starts, ends, labels, strict=True))


def plot_regimes(
    price: pd.Series, panels: Mapping[str, pd.Series], path: Path, title: str = ""
) -> Path:
    """Write one panel per entry of ``panels`` (regime series), each shading ``price``.

    Raises
    ------
    TradewindError
        matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise TradewindError(
            "matplotlib is not installed; run `pip install 'tradewind[plot]'` to write plots"
        ) from exc
    n = max(len(panels), 1)
    fig, axes = plt.subplots(n, 1, figsize=(12, 2.6 * n + 0.6), sharex=True, squeeze=False)
    idx = pd.DatetimeIndex(price.index)
    x = idx.tz_convert(None) if idx.tz is not None else idx
    for ax, (name, regimes) in zip(axes[:, 0], panels.items(), strict=False):
        ax.plot(x, price.to_numpy(), color="black", linewidth=0.8)
        ax.set_yscale("log")
        for start, end, label in _runs(regimes):
            s = start.tz_convert(None) if start.tz is not None else start
            e = end.tz_convert(None) if end.tz is not None else end
            ax.axvspan(s, e, color=COLORS.get(label, "#cccccc"), alpha=0.25, linewidth=0)
        ax.set_ylabel(name)
    handles = [Patch(color=c, alpha=0.4, label=k) for k, c in COLORS.items()]
    axes[0, 0].legend(handles=handles, loc="upper left", ncol=4, fontsize=8)
    if title:
        axes[0, 0].set_title(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
