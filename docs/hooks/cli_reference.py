"""MkDocs hook: the command-line reference page is made from the argument parser itself, so it
cannot drift from what ``conference-sim --help`` says. The page holds the marker
``<!-- the commands, from the parser -->`` where the generated text goes."""

from __future__ import annotations

import argparse
from typing import Any

MARKER = "<!-- the commands, from the parser -->"


def option_row(action: argparse.Action) -> str:
    if action.option_strings:
        names = ", ".join(f"`{o}`" for o in action.option_strings)
        if action.nargs != 0:
            names += f" `{action.metavar or action.dest.upper()}`"
    else:
        names = "`{}`".format((action.metavar or action.dest).replace("|", "\\|"))
        if action.nargs in ("+", "*"):
            names += " …"
        elif action.nargs == "?":
            names += " (optional)"
    text = (action.help or "").replace("|", "\\|")
    if text and not text.endswith("."):
        text += "."
    if action.choices:
        text += (
            (" " if text else "") + "One of " + ", ".join(f"`{c}`" for c in action.choices) + "."
        )
    if action.default not in (None, False, [], argparse.SUPPRESS) and "default" not in text:
        text += f" Default `{action.default}`."
    return f"| {names} | {text.strip()} |"


def reference() -> str:
    import os

    from conference_sim.options import build_parser

    os.environ["COLUMNS"] = "96"  # the usage lines wrap the same on every machine

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in sub._choices_actions}
    out = []
    for name, command in sub.choices.items():
        out += [f"## `conference-sim {name}`", "", helps.get(name) or "", ""]
        if command.description:
            out += [command.description, ""]
        usage = command.format_usage().strip().removeprefix("usage: ")
        out += ["```", usage, "```", "", "| argument | what it does |", "|---|---|"]
        out += [option_row(a) for a in command._actions if not isinstance(a, argparse._HelpAction)]
        out.append("")
    return "\n".join(out)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if MARKER in markdown:
        return markdown.replace(MARKER, reference())
    return markdown
