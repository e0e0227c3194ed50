"""`tmf conformance run …`: the conformance suite for TMF622, TMF621 and TMF678 servers.

Exit codes: 0 every rule that applies passed (with --allow-skips: or was skipped), 1 a rule failed,
was blocked or (without --allow-skips) was skipped, 2 the run could not be made (setup error).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from conformance.requirements import CORE, FUZZING, missing, setup_error


def _header(value: str) -> tuple[str, str]:
    name, sep, content = value.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected 'Name: value', got {value!r}")
    return name.strip(), content.strip()


def build_parser() -> argparse.ArgumentParser:
    from conformance.profile import APIS

    parser = argparse.ArgumentParser(
        prog="tmf conformance", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    go = commands.add_parser("run", help="run the rules against a server")
    go.add_argument(
        "--base-url",
        required=True,
        help="the API root, e.g. http://host:8080/tmf-api/"
        "productOrderingManagement/v4 (a trailing slash is fine)",
    )
    go.add_argument("--api", required=True, choices=APIS)
    go.add_argument("--version", required=True, choices=("v4", "v5"))
    go.add_argument(
        "--official-spec", type=Path, help="the official document (default: under $TMF_REFERENCE_DIR)"
    )
    go.add_argument(
        "--header",
        action="append",
        default=[],
        type=_header,
        help="an extra request header, 'Name: value' (repeatable)",
    )
    go.add_argument("--report-dir", type=Path, help="write JUnit XML, JSON and HTML reports here")
    go.add_argument(
        "--fuzz-examples", type=int, default=10, help="schemathesis examples per operation (0: off)"
    )
    go.add_argument("--seed", type=int, help="fuzzing seed (printed; pass it again to replay)")
    go.add_argument(
        "--only",
        nargs="+",
        default=[],
        metavar="RULE",
        help="run only these rule ids (or id prefixes such as TMF630.filter)",
    )
    go.add_argument(
        "--callback-host",
        default="127.0.0.1",
        help="host name the server can reach this tool's event listener at",
    )
    go.add_argument("--event-timeout", type=float, default=5.0, help="seconds to wait for hub events")
    go.add_argument(
        "--allow-skips",
        action="store_true",
        help="exit 0 when no rule failed, even if some could not run (skipped)",
    )
    listing = commands.add_parser("rules", help="list every rule with its reference")
    listing.add_argument("--api", choices=APIS)
    return parser


def _list_rules(api: str | None) -> int:
    from conformance.runner import selected_rules

    for rule in selected_rules([]):
        if api and rule.apis and api not in rule.apis:
            continue
        print(
            f"{rule.id}  [{', '.join(rule.versions)}{'; ' + ', '.join(rule.apis) if rule.apis else ''}]\n"
            f"    {rule.description}\n    ref: {rule.reference}"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    # Before anything imports them: a missing package is a setup error, not a traceback.
    if problems := missing(CORE):
        print(setup_error(problems, "tmf conformance"), file=sys.stderr)
        return 2
    from conformance.model import RunAborted
    from conformance.official import OfficialSpec, default_spec_path
    from conformance.profile import load_profile
    from conformance.reports import console, write_reports
    from conformance.runner import Options, RunResult, run, selected_rules

    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:
        return 2 if exit_.code not in (0, None) else 0
    if args.command == "rules":
        return _list_rules(args.api)
    try:
        profile = load_profile(args.api, args.version)
    except (OSError, KeyError, ValueError) as error:
        print(f"error: cannot read the {args.api} profile: {error}", file=sys.stderr)
        return 2
    official: OfficialSpec | None = None
    problem = ""
    spec_path = args.official_spec or default_spec_path(profile.official_spec)
    if spec_path is not None:
        try:
            official = OfficialSpec(spec_path)
        except (OSError, ValueError) as error:
            print(f"error: cannot read the official document {spec_path}: {error}", file=sys.stderr)
            return 2
        except Exception as error:  # a YAML/JSON syntax error
            print(f"error: cannot parse the official document {spec_path}: {error}", file=sys.stderr)
            return 2
    else:
        problem = "no official document (pass --official-spec, or set TMF_REFERENCE_DIR)"
    rules = selected_rules(args.only)
    if not rules:
        print(f"error: no rule matches {' '.join(args.only)} (see `tmf conformance rules`)", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.randrange(1, 2**31)
    if args.fuzz_examples < 0:
        print("error: --fuzz-examples must be 0 or more", file=sys.stderr)
        return 2
    fuzzing = args.fuzz_examples > 0 and any(r.id.startswith("TMF630.fuzz.") for r in rules)
    if fuzzing and (problems := missing(FUZZING)):
        print(setup_error(problems, "fuzzing (the TMF630.fuzz rules)"), file=sys.stderr)
        return 2
    options = Options(
        base_url=args.base_url.rstrip("/"),
        api=args.api,
        version=args.version,
        headers=dict(args.header),
        official=official,
        official_problem=problem,
        fuzz_examples=args.fuzz_examples,
        seed=seed,
        only=args.only,
        callback_host=args.callback_host,
        event_timeout=args.event_timeout,
    )
    print(
        f"tmf conformance: {args.api} {args.version} at {options.base_url}  "
        f"(fuzz examples {args.fuzz_examples}, seed {seed})",
        flush=True,
    )
    try:
        result: RunResult = run(options, profile, rules)
    except RunAborted as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    console([result], sys.stdout)
    if args.report_dir:
        for path in write_reports([result], args.report_dir):
            print(f"report: {path}")
    return 0 if result.conformant(allow_skips=args.allow_skips) else 1


if __name__ == "__main__":
    sys.exit(main())
