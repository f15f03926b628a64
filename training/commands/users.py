"""`scoring users add|remove|list`: the dashboard's local accounts (SCORING_USERS_FILE).

    scoring users add alice --role advisor            # prints a generated password, once
    printf '%s\\n' "$PASSWORD" | scoring users add bob --role risk --password-stdin
    scoring users remove alice
    scoring users list [--json]

Light on purpose (argon2 and the standard library only): no Dash, no model stack. The file is
rewritten atomically with mode 0600; the running dashboard sees a change at the next request.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--file",
        type=Path,
        default=None,
        help="accounts file (default: SCORING_USERS_FILE or var/users.json)",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", parents=[common], help="add an account (or reset one with --replace)"
    )
    add.add_argument("name", help="sign-in name (letters, digits, _ . @ -; at most 64)")
    add.add_argument("--role", required=True, help="advisor, risk or admin")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (else one is generated "
        "and printed once)",
    )
    add.add_argument(
        "--replace", action="store_true", help="set a new password and role for an existing name"
    )
    remove = actions.add_parser(
        "remove", parents=[common], help="remove an account (its sessions end)"
    )
    remove.add_argument("name")
    listing = actions.add_parser(
        "list", parents=[common], help="names, roles and creation dates (never hashes)"
    )
    listing.add_argument("--json", action="store_true", help="one JSON document")


def accounts_file(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    from shared.settings import DashboardSettings

    return DashboardSettings().users_file


def run(args: argparse.Namespace) -> int:
    from dashboard.auth.accounts import (
        AccountError,
        add_account,
        generate_password,
        read_accounts,
        remove_account,
    )
    from dashboard.auth.roles import parse_role
    from training.errors import UserFacingError

    path = accounts_file(args.file)
    try:
        if args.action == "add":
            role = parse_role(args.role)
            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\r\n")
                generated = False
            else:
                password, generated = generate_password(), True
            account = add_account(path, args.name, role, password, replace=args.replace)
            verb = "replaced" if args.replace else "added"
            print(f"{verb} account {account.name!r} ({account.role.value}) in {path}")
            if generated:
                print(f"password (shown once): {password}")
            return 0
        if args.action == "remove":
            remove_account(path, args.name)
            print(f"removed account {args.name!r} from {path}")
            return 0
        accounts = [a.public() for a in read_accounts(path).values()]
        if args.json:
            print(json.dumps({"file": str(path), "accounts": accounts}, indent=2))
        elif not accounts:
            print(f"no account in {path} (add one: scoring users add NAME --role ROLE)")
        else:
            width = max(len(a["name"]) for a in accounts)
            for a in accounts:
                print(f"{a['name']:<{width}}  {a['role']:<7}  created {a['created']}")
        return 0
    except (AccountError, ValueError) as error:
        raise UserFacingError(str(error)) from None
    except OSError as error:
        raise UserFacingError(f"{path}: {error.strerror or error}") from None
