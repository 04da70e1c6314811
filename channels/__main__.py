"""`python -m channels`: serve the console, manage console users, bootstrap the demo agent and admin.

python -m channels serve
python -m channels users add alice --role agent [--language de] [--display-name Alice]   # password: prompt or stdin
python -m channels users list
python -m channels bootstrap      # demo agent + admin (CONSOLE_DEMO_AGENT_PASSWORD / CONSOLE_DEMO_ADMIN_PASSWORD,
                                  # else generated and printed once) and the handoff API token
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import secrets
import sys

from sqlalchemy import select

from channels import auth
from channels.db import User, create_schema, make_engine, sessionmaker
from channels.settings import ConsoleSettings
from svc.app import run
from svc.secrets import handoff_api_token


async def _with_db(settings: ConsoleSettings, fn) -> int:  # noqa: ANN001 - small CLI helper
    engine = make_engine(settings.database_url, settings.db_schema)
    try:
        await create_schema(engine, settings.db_schema)
        return await fn(sessionmaker(engine))
    finally:
        await engine.dispose()


def _read_password(args: argparse.Namespace) -> str:
    if args.password_env:
        value = os.environ.get(args.password_env, "")
        if not value:
            raise SystemExit(f"{args.password_env} is empty")
        return value
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Repeat: "):
            raise SystemExit("passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m channels", description="Borderless agents' console")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("serve", help="run the console service")
    sub.add_parser("bootstrap", help="create the demo agent and admin and the handoff API token")
    users = sub.add_parser("users", help="manage console users").add_subparsers(dest="users_cmd", required=True)
    add = users.add_parser("add", help="add (or with --replace, reset) a user")
    add.add_argument("username")
    add.add_argument("--role", choices=auth.ROLES, default="agent")
    add.add_argument("--language", default="en", help="the agent's language (translations are shown in it)")
    add.add_argument("--display-name", default="")
    add.add_argument("--password-env", help="read the password from this environment variable (else prompt/stdin)")
    add.add_argument("--replace", action="store_true", help="reset an existing user's password and role")
    users.add_parser("list", help="list users")
    args = parser.parse_args(argv)
    settings = ConsoleSettings.from_env()

    if args.cmd == "serve":
        from channels.console import create_app

        run(lambda: create_app(settings), settings.host, settings.port)
        return 0

    if args.cmd == "users" and args.users_cmd == "add":
        password = _read_password(args)

        async def do_add(sm) -> int:  # noqa: ANN001
            try:
                await auth.add_user(
                    sm,
                    args.username,
                    password,
                    args.role,
                    language=args.language,
                    display_name=args.display_name,
                    replace=args.replace,
                )
            except auth.AuthError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            print(f"user {args.username.lower()} ({args.role}) saved")
            return 0

        return asyncio.run(_with_db(settings, do_add))

    if args.cmd == "users" and args.users_cmd == "list":

        async def do_list(sm) -> int:  # noqa: ANN001
            async with sm() as db:
                for u in (await db.execute(select(User).order_by(User.username))).scalars():
                    print(f"{u.username}\t{u.role}\t{u.language}\t{'disabled' if u.disabled else 'active'}")
            return 0

        return asyncio.run(_with_db(settings, do_list))

    if args.cmd == "bootstrap":
        handoff_api_token()

        async def do_bootstrap(sm) -> int:  # noqa: ANN001
            for username, role, env in (
                ("agent", "agent", "CONSOLE_DEMO_AGENT_PASSWORD"),
                ("admin", "admin", "CONSOLE_DEMO_ADMIN_PASSWORD"),
            ):
                given = os.environ.get(env)
                if await auth.user_exists(sm, username):
                    if given:  # an explicit password always wins, so tests and demos can rely on it
                        await auth.add_user(sm, username, given, role, display_name=username.title(), replace=True)
                    continue
                password = given or secrets.token_urlsafe(12)
                await auth.add_user(sm, username, password, role, display_name=username.title())
                if given:
                    print(f"console user {username!r} ({role}) created with the password from {env}")
                else:
                    # Printed once: it is not stored anywhere in clear.
                    print(f"console user {username!r} ({role}) created; password: {password}")
            return 0

        return asyncio.run(_with_db(settings, do_bootstrap))
    return 1


if __name__ == "__main__":
    sys.exit(main())
