"""Create, inspect and tear down the AWS side of the warehouse: IAM role, Redshift, network access.

  create  the role (reads S3), the cluster or Serverless workgroup, ingress from your address; writes
          HOST, DB_PORT and [IAM_ROLE] ARN into the configuration
  status  what exists, its state, endpoint, role, ingress rules and how long it has been running
  delete  everything create made; blanks HOST

Settings come from the [INFRA] section of dwh.cfg; AWS credentials from the standard AWS chain.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sparkify import cli
from sparkify.errors import Interrupted
from sparkify.iac import commands
from sparkify.iac.aws import open_aws, translated_errors
from sparkify.iac.settings import load_settings
from sparkify.iac.waiting import Waiter

# The script lives in iac/, one level below the project folder (where dwh.cfg is).
PROJECT_DIR = Path(__file__).resolve().parent.parent

PROG = "cluster.py"


def build_parser() -> argparse.ArgumentParser:
    parser = cli.parser(PROG, __doc__ or "")
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    # The common options are accepted after the subcommand too; SUPPRESS keeps an absent one from
    # overwriting a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="the configuration file")
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log more detail"
    )
    confirm = argparse.ArgumentParser(add_help=False)
    confirm.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    commands_ = parser.add_subparsers(dest="command", required=True, metavar="{create,status,delete}")
    create = commands_.add_parser(
        "create", parents=[common, confirm], help="create what is missing and wait until it is available"
    )
    create.add_argument(
        "--allow-anywhere",
        action="store_true",
        help="admit 0.0.0.0/0 to the warehouse port instead of only your address (not recommended)",
    )
    commands_.add_parser("status", parents=[common], help="show what exists and its state")
    delete = commands_.add_parser("delete", parents=[common, confirm], help="delete everything create made")
    delete.add_argument(
        "--final-snapshot", metavar="NAME", help="keep a final snapshot called NAME (default: none)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def action() -> int:
        settings = load_settings(args.config, need_password=args.command == "create")
        options = commands.Options(
            yes=getattr(args, "yes", False),
            allow_anywhere=getattr(args, "allow_anywhere", False),
            final_snapshot=getattr(args, "final_snapshot", None),
        )
        try:
            with translated_errors():
                context = commands.Context(settings=settings, aws=open_aws(settings), waiter=Waiter())
                if args.command == "create":
                    return commands.create(context, options)
                if args.command == "delete":
                    return commands.delete(context, options)
                return commands.status(context)
        except KeyboardInterrupt:
            raise Interrupted(
                f"interrupted; AWS finishes what was already started: run '{args.command}' again "
                "to pick up where it stopped, or 'status' to see where things are"
            ) from None

    return cli.run(PROG, action, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
