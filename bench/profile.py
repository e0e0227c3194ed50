"""Summarise py-spy collapsed stacks (`bench/run.py --profile DIR`): where a scenario's time goes.

    .venv/bin/python bench/profile.py DIR/get-c16-*.txt [--top 25]

Prints, per file set, the share of samples whose stack passes through each function (inclusive)
and the share spent in each function itself (exclusive), largest first. Idle samples (the event
loop waiting in select/epoll) are counted apart so that the shares are of busy time.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

IDLE = ("select (selectors.py", "_run_once (asyncio/base_events.py", "epoll")


def load(paths: list[Path]) -> list[tuple[list[str], int]]:
    stacks = []
    for path in paths:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                stacks.append((stack.split(";"), int(count)))
    return stacks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    stacks = load(args.files)
    total = sum(c for _, c in stacks)
    idle = sum(c for frames, c in stacks if frames and frames[-1].startswith(IDLE))
    busy = max(1, total - idle)
    inclusive: collections.Counter[str] = collections.Counter()
    exclusive: collections.Counter[str] = collections.Counter()
    for frames, count in stacks:
        if frames and frames[-1].startswith(IDLE):
            continue
        for frame in set(frames):
            inclusive[frame] += count
        if frames:
            exclusive[frames[-1]] += count
    print(f"{total} samples, {idle} idle ({idle / max(1, total):.0%}); shares below are of busy samples")
    print("\ninclusive (stack passes through):")
    for frame, count in inclusive.most_common(args.top):
        print(f"  {count / busy:6.1%}  {frame}")
    print("\nexclusive (on top of the stack):")
    for frame, count in exclusive.most_common(args.top):
        print(f"  {count / busy:6.1%}  {frame}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
