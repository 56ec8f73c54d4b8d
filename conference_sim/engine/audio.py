"""Players for wait, hold and announcement audio: a document of Play/Say/Pause/Redirect.

A player is a simpy process that walks its document and keeps ``now_playing`` up to date so the
engine can say, at any instant, what a participant hears. It plays once and then leaves silence;
loop with ``<Redirect>`` or ``loop="0"``. The platform's default music loops forever.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from ..model import Document, Pause, Play, Redirect, Say
from .media import MAX_INSTANT_REDIRECTS, playing
from .transport import HttpRequest

if TYPE_CHECKING:
    from .simulation import Simulation

DEFAULT_MUSIC = "default hold music"


class Player:
    """Plays one source (a document URL, a media URL, or the default music) until stopped."""

    def __init__(
        self,
        sim: Simulation,
        url: str | None,
        method: str,
        purpose: str,
        log: Any,
        on_done: Callable[[bool], None] | None = None,
    ) -> None:
        self.sim = sim
        self.url = url  # None: the platform's default music
        self.method = method
        self.purpose = purpose  # waitUrl, holdUrl, announceUrl
        self.log = log
        self.on_done = on_done  # called with ok=True when it ran out, ok=False if it failed
        self.now_playing: str | None = None
        self.process: simpy.Process | None = None
        self.done = False

    @property
    def source(self) -> str:
        return DEFAULT_MUSIC if self.url is None else (self.url or "silence")

    def start(self) -> None:
        if self.url is None:
            self.now_playing = DEFAULT_MUSIC
            return
        if self.url == "":
            return
        self.process = self.sim.clock.process(self.run(self.url))

    def stop(self) -> None:
        self.now_playing = None
        if self.process is not None and self.process.is_alive:
            self.process.interrupt("stopped")
        self.process = None

    def _allowed(self) -> frozenset[str]:
        if self.purpose == "waitUrl" or self.purpose == "holdUrl":
            return self.sim.dialect.wait_verbs
        return frozenset({"Play", "Say", "Pause", "Redirect"})

    def run(self, url: str) -> Generator[simpy.Event, Any, None]:
        try:
            ok = yield from self._play(url)
        except simpy.Interrupt:
            return
        self.now_playing = None
        self.done = True
        if self.on_done is not None:
            self.on_done(ok)

    def _play(self, url: str) -> Generator[simpy.Event, Any, bool]:
        fetched = self.sim.documents.fetch(HttpRequest(self.purpose, url, self.method), self.log)
        if fetched is None:
            return False
        if isinstance(fetched, int):  # a media file given directly
            self.now_playing = url
            yield self.sim.clock.media_wait(fetched)
            return True
        doc: Document = fetched
        allowed = self._allowed()
        verbs, i, hops, last_t = doc.verbs, 0, 0, self.sim.clock.now
        while i < len(verbs):
            verb = verbs[i]
            i += 1
            name = type(verb).__name__
            if name not in allowed:
                self.sim.warn(
                    self.log,
                    "document-invalid",
                    url=url,
                    purpose=self.purpose,
                    reason=f"<{name}> is not allowed in a {self.purpose} document "
                    f"({self.sim.dialect.name} allows "
                    f"{', '.join(sorted(allowed))}); the rest is skipped",
                )
                return True
            if isinstance(verb, Say | Play):
                self.now_playing, ms = playing(verb, self.sim.scenario.media)
                yield self.sim.clock.play_for(ms)  # loop="0": until stopped
            elif isinstance(verb, Pause):
                self.now_playing = None
                yield self.sim.clock.media_wait(verb.length_ms)
            elif isinstance(verb, Redirect):
                hops = hops + 1 if self.sim.clock.now == last_t else 0
                last_t = self.sim.clock.now
                if hops > MAX_INSTANT_REDIRECTS:
                    self.sim.warn(
                        self.log,
                        "document-invalid",
                        url=url,
                        purpose=self.purpose,
                        reason="<Redirect> loops without playing anything; stopped",
                    )
                    return True
                url = verb.url or url
                nxt = self.sim.documents.fetch(
                    HttpRequest(self.purpose, url, self.method), self.log
                )
                if nxt is None:
                    return True
                if isinstance(nxt, int):
                    self.now_playing = url
                    yield self.sim.clock.media_wait(nxt)
                    return True
                verbs, i = nxt.verbs, 0
        return True
