"""Prints how long the built-in procedural engine takes per image, at each size, on one core."""

from __future__ import annotations

import json
import statistics
import sys
import time

from imagegen.worker.engines.base import RenderRequest
from imagegen.worker.engines.procedural import ProceduralEngine


def main(repeats: int = 5) -> dict:
    """Median ms per image for every size the engine offers."""
    engine = ProceduralEngine()
    out = {}
    for w, h in engine.capabilities().sizes:
        times = []
        for r in range(repeats):
            t = time.perf_counter()
            engine.generate(RenderRequest(prompt=f"bench {r}", width=w, height=h, seed=r))
            times.append((time.perf_counter() - t) * 1000)
        out[f"{w}x{h}"] = round(statistics.median(times), 1)
    return out


if __name__ == "__main__":
    results = main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
    print(f"{'size':>10}  {'median ms/image':>15}")
    for size, ms in results.items():
        print(f"{size:>10}  {ms:>15.1f}")
    print(json.dumps({"procedural_ms_per_image": results}))
