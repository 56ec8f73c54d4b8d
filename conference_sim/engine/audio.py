"""Players for wait, hold and announcement audio: a document of Play/Say/Pause/Redirect.

A player is a simpy process that walks its document and keeps ``now_playing`` up to date so the
engine can say, at any instant, what a participant hears. It plays once and then leaves silence;
loop with ``<Redirect>`` (each loop fetches the URL again) or ``loop="0"``. The platform's
default music loops forever. The first fetch happens when the player starts, so the event that
announces the audio carries that request's answer.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any

import simpy

from ..events import Request
from ..model import Pause, Play, Redirect, Say
from .clock import interrupt
from .media import MAX_INSTANT_REDIRECTS, playing
from .requests import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from .core import Engine

DEFAULT_MUSIC = "default hold music"


class Player:
    """Plays one source (a document URL, a media URL, or the default music) until stopped."""

    def __init__(
        self,
        sim: Engine,
        url: str | None,
        method: str,
        purpose: str,
        log: Any,
        on_done: Callable[[bool], None] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> None:
        self.sim = sim
        self.url = url  # None: the platform's default music
        self.method = method
        self.purpose = purpose  # waitUrl, holdUrl, announceUrl
        self.log = log
        self.on_done = on_done  # called with ok=True when it ran out, ok=False if it failed
        self.params = params or {}
        self.now_playing: str | None = None
        self.process: simpy.Process | None = None
        self.done = False

    @property
    def source(self) -> str:
        return DEFAULT_MUSIC if self.url is None else (self.url or "silence")

    def start(self) -> int | None:
        """Fetch the source and start playing; returns the HTTP status when an app answered."""
        if self.url is None:
            self.now_playing = DEFAULT_MUSIC
            return None
        if self.url == "":
            return None
        answer = self.fetch(self.url)  # the *-start event carries it
        self.process = self.sim.clock.process(self.run(self.url, answer))
        return answer.status

    def stop(self) -> None:
        self.now_playing = None
        interrupt(self.sim.clock, self.process, "stopped")
        self.process = None

    def fetch(self, url: str) -> HttpResponse:
        request = HttpRequest(self.purpose, url, self.method, self.params)
        return self.sim.documents.fetch(request, self.log)

    def allowed(self) -> frozenset[str]:
        if self.purpose == "waitUrl" or self.purpose == "holdUrl":
            return self.sim.dialect.wait_verbs
        return frozenset({"Play", "Say", "Pause", "Redirect"})

    def run(self, url: str, answer: HttpResponse) -> Generator[simpy.Event, Any, None]:
        try:
            ok = yield from self.play(url, answer)
        except simpy.Interrupt:
            return
        self.now_playing = None
        self.done = True
        if self.on_done is not None:
            self.on_done(ok)

    def play(self, url: str, answer: HttpResponse) -> Generator[simpy.Event, Any, bool]:
        """Play what ``url`` answered; False when there was nothing to play (missing/failed)."""
        clock = self.sim.clock
        hops, last_t, first = 0, clock.now, True
        while True:
            if answer.kind == "media":
                self.now_playing = url
                yield clock.media_wait(answer.media_ms or 0)
                return True
            if answer.document is None:
                return not first  # a loop whose next fetch failed has played before
            first = False
            redirect = yield from self.play_document(url, answer.document.verbs)
            if redirect is None:
                return True
            hops = hops + 1 if clock.now == last_t else 0
            last_t = clock.now
            if hops > MAX_INSTANT_REDIRECTS:
                self.sim.warn(
                    self.log,
                    "document-invalid",
                    url=url,
                    purpose=self.purpose,
                    reason="<Redirect> loops without playing anything; stopped",
                )
                return True
            url = redirect.url or url
            request = HttpRequest(self.purpose, url, self.method, self.params)
            answer = self.sim.send(request)
            entry = Request(self.purpose, url, self.method, answer.status)
            self.log.info(  # W1: each loop asks the URL again, and the timeline says so
                "audio-loop", kind="audio", params={"source": url}, requests=[entry]
            )
            self.sim.documents.report(request, answer, self.log)

    def play_document(
        self, url: str, verbs: tuple[Any, ...]
    ) -> Generator[simpy.Event, Any, Redirect | None]:
        """Each verb in turn; returns the Redirect that ends it, if any."""
        allowed = self.allowed()
        for verb in verbs:
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
                return None
            if isinstance(verb, Say | Play):
                self.now_playing, ms = playing(verb, self.sim.scenario.media)
                yield self.sim.clock.play_for(ms)  # loop="0": until stopped
            elif isinstance(verb, Pause):
                self.now_playing = None
                yield self.sim.clock.media_wait(verb.length_ms)
            elif isinstance(verb, Redirect):
                return verb
        return None
