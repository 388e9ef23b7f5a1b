"""The worker that sends outbound events: fan out the outbox, claim due deliveries, sign and post
each one, record what happened (the database side is ``webhooks.queue``).

One ``Dispatcher`` is one worker: a loop of short transactions with the HTTP requests between
them, never inside one. Several run side by side – threads of ``python run.py dispatch
--workers N``, separate processes, the thread inside ``python run.py`` – and share the queue
through the database alone. Its clock, HTTP session, random source and resolver are injected, so
tests drive every retry without sleeping.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
from requests.structures import CaseInsensitiveDict
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook

from webhooks import ordering, policy, queue
from webhooks.outbound import Resolver, resolve_host

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
T = TypeVar("T")
USER_AGENT = "buuchinh-tthc-dispatcher/1 (+Standard Webhooks)"
BODY_MAX = 4096  # bytes of a receiver's answer kept for the attempt log
RESOLVE_CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Settings:
    """How a worker behaves; ``settings_from`` reads them from the configuration."""

    schedule: tuple[float, ...] = policy.DEFAULT_SCHEDULE
    jitter: float = policy.DEFAULT_JITTER
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    lease: float = 60.0  # a claim's life: covers one batch of sends (half of it is the budget)
    batch: int = 50
    fan_out_batch: int = 1000
    poll: float = 1.0  # idle wait between looks at the queue
    retry_after_max: float = policy.RETRY_AFTER_MAX
    allow_private: bool = False
    repair_every: float = 600.0  # seconds between checks that no dossier queue lost its head
    proxy: str | None = None  # an HTTP(S) proxy for every request, e.g. "http://proxy:3128"


# Configuration key → (Settings field, conversion). Values come from the app's configuration
# (instance/config.py or create_app's dict) or else from the environment.
SETTING_KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "OUTBOUND_SCHEDULE": ("schedule", policy.parse_schedule),
    "OUTBOUND_JITTER": ("jitter", float),
    "OUTBOUND_CONNECT_TIMEOUT": ("connect_timeout", float),
    "OUTBOUND_READ_TIMEOUT": ("read_timeout", float),
    "OUTBOUND_LEASE_SECONDS": ("lease", float),
    "OUTBOUND_BATCH": ("batch", int),
    "OUTBOUND_POLL_SECONDS": ("poll", float),
    "OUTBOUND_RETRY_AFTER_MAX": ("retry_after_max", float),
    "OUTBOUND_PROXY": ("proxy", str),
}


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _setting(config: Mapping[str, Any], environ: Mapping[str, str], key: str) -> Any:
    if config.get(key) is not None:
        return config[key]
    return environ.get(key)


def settings_from(
    config: Mapping[str, Any], environ: Mapping[str, str] | None = None, **over: Any
) -> Settings:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for key, (name, convert) in SETTING_KEYS.items():
        raw = _setting(config, environ, key)
        if raw is not None and raw != "":
            values[name] = convert(raw)
    values["allow_private"] = _truthy(_setting(config, environ, "WEBHOOKS_ALLOW_PRIVATE") or False)
    values.update(over)
    return Settings(**values)


def thread_enabled(config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``python run.py`` runs a dispatcher thread (``DISPATCHER_THREAD=0``: no)."""
    raw = _setting(config, os.environ if environ is None else environ, "DISPATCHER_THREAD")
    return True if raw is None or raw == "" else _truthy(raw)


def utcnow() -> datetime:
    return datetime.now(UTC)


def worker_name(index: int = 0) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{index}"


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings | None = None,
        *,
        read_sessions: sessionmaker[Session] | None = None,
        clock: Clock = utcnow,
        name: str | None = None,
        http: requests.Session | None = None,
        rng: random.Random | None = None,
        resolve: Resolver = resolve_host,
    ) -> None:
        self.sessions = sessions
        self.read_sessions = read_sessions or sessions
        self.settings = settings or Settings()
        self.clock = clock
        self.name = name or worker_name()
        self.http = http or self._http_session()
        self.rng = rng or random.Random()
        self.resolve = resolve
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None  # set when it runs in a thread of its own
        self._busy = True  # after work, look again at once; when idle, read before writing
        self._signers: dict[str, Webhook] = {}
        self._resolved: dict[str, tuple[float, str | None]] = {}
        self._templates: dict[str, requests.PreparedRequest] = {}

    def _http_session(self) -> requests.Session:
        """Proxies only as configured (OUTBOUND_PROXY), never from the environment: receivers
        are known URLs, and reading the environment on every request costs more than the send."""
        http = requests.Session()
        http.trust_env = False
        if self.settings.proxy:
            http.proxies = {"http": self.settings.proxy, "https": self.settings.proxy}
        return http

    # ── the loop ─────────────────────────────────────────────────────────────────────────────
    def _txn(self, work: Callable[[Session], T]) -> T:
        with self.sessions() as session:
            ordering.plan_afresh(session)
            result = work(session)
            session.commit()
            return result

    def run_once(self) -> int:
        """One round: fan out, claim, send, record. Returns events fanned out + claims handled."""
        s = self.settings
        if not self._busy:
            with self.read_sessions() as session:
                if not queue.has_work(session, self.clock()):
                    return 0
        fanned = self._txn(lambda ses: queue.fan_out(ses, self.clock(), s.fan_out_batch))
        claims = self._txn(
            lambda ses: queue.claim_due(
                ses,
                self.clock(),
                worker=self.name,
                lease=s.lease,
                limit=s.batch,
                schedule=s.schedule,
            )
        )
        outcomes = self._send_all(claims)
        self._txn(
            lambda ses: queue.finish(
                ses,
                self.clock(),
                outcomes,
                worker=self.name,
                schedule=s.schedule,
                jitter=s.jitter,
                retry_after_max=s.retry_after_max,
                rng=self.rng,
            )
        )
        self._busy = bool(fanned or claims)
        return fanned + len(claims)

    def repair(self) -> int:
        """Give a head to any dossier queue left without one (never needed unless something is
        wrong; ``run`` does it at start and every ``repair_every`` seconds)."""
        return self._txn(lambda session: ordering.repair(session, self.clock()))

    def drain(self, max_rounds: int = 10_000) -> int:
        """Rounds until nothing is due now (``dispatch --once``, tests); returns the work done."""
        total = 0
        for _ in range(max_rounds):
            done = self.run_once()
            if not done:
                break
            total += done
        return total

    def run(self, stop: threading.Event | None = None) -> None:
        """Work until ``stop`` is set; a failed round (database away…) is logged and retried."""
        if stop is not None:
            self.stop = stop
        pause = self.settings.poll
        next_repair = 0.0
        try:
            while not self.stop.is_set():
                try:
                    if time.monotonic() >= next_repair:
                        next_repair = time.monotonic() + self.settings.repair_every
                        self.repair()
                    done = self.run_once()
                    pause = self.settings.poll
                except Exception:  # the worker outlives a bad round; the lease covers claims
                    log.exception("dispatcher %s: round failed", self.name)
                    self._busy, done = False, 0
                    pause = min(max(pause * 2, 0.5), 30.0)
                if not done:
                    self.stop.wait(pause)
        finally:
            self.close()

    def close(self) -> None:
        self.http.close()

    # ── one attempt ──────────────────────────────────────────────────────────────────────────
    def _send_all(self, claims: list[queue.Claim]) -> list[queue.Outcome]:
        """Send in order; what the lease's budget (half of it) cannot cover goes back unsent."""
        started = time.monotonic()
        outcomes = []
        for claim in claims:
            late = time.monotonic() - started > self.settings.lease / 2
            if late or self.stop.is_set():
                outcomes.append(queue.Outcome(claim, self.clock(), sent=False))
            else:
                outcomes.append(self.send(claim))
        return outcomes

    def send(self, claim: queue.Claim) -> queue.Outcome:
        s = self.settings
        body = policy.envelope(claim.type, claim.event_at, claim.payload)
        at = self.clock()
        refused = None if s.allow_private else self._refusal(claim.url)
        if refused:
            return queue.Outcome(claim, at, error=f"not sent: {refused}", latency_ms=0.0)
        signer = self._signers.get(claim.secret)
        if signer is None:
            signer = self._signers[claim.secret] = Webhook(claim.secret)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": claim.webhook_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signer.sign(claim.webhook_id, at, body),
        }
        t0 = time.perf_counter()
        try:
            resp = self.http.send(
                self._prepared(claim.url, headers, body.encode("utf-8")),
                timeout=(s.connect_timeout, s.read_timeout),
                allow_redirects=False,
                stream=True,
                proxies=self.http.proxies,
            )
        except requests.Timeout as exc:
            return self._failed(claim, at, t0, f"timeout: {exc}")
        except requests.RequestException as exc:
            return self._failed(claim, at, t0, f"{type(exc).__name__}: {exc}")
        with resp:
            try:
                answer = resp.raw.read(BODY_MAX, decode_content=True) or b""
            except Exception:  # a receiver that breaks off its answer: the status still counts
                answer = b""
        latency = (time.perf_counter() - t0) * 1000
        status = resp.status_code
        if policy.is_success(status):
            return queue.Outcome(claim, at, status=status, latency_ms=latency)
        text = answer.decode("utf-8", "replace").strip()[:300]
        return queue.Outcome(
            claim,
            at,
            status=status,
            latency_ms=latency,
            error=f"HTTP {status}" + (f": {text}" if text else ""),
            retry_after=policy.parse_retry_after(resp.headers.get("Retry-After"), self.clock()),
        )

    def _prepared(self, url: str, headers: dict[str, str], body: bytes) -> requests.PreparedRequest:
        """The request, from a copy of one prepared per URL (``Session.send`` of requests'
        "prepared requests"): parsing the URL and merging the session's settings again for
        every delivery cost a third of a worker's time. Nothing of the session is merged in:
        no cookies a receiver set, no default headers."""
        template = self._templates.get(url)
        if template is None:
            template = self._templates[url] = requests.PreparedRequest()
            template.prepare(method="POST", url=url, hooks={})
        prepared = template.copy()
        prepared.headers = CaseInsensitiveDict({**headers, "Content-Length": str(len(body))})
        prepared.body = body
        return prepared

    def _failed(self, claim: queue.Claim, at: datetime, t0: float, error: str) -> queue.Outcome:
        latency = (time.perf_counter() - t0) * 1000
        return queue.Outcome(claim, at, latency_ms=latency, error=error)

    def _refusal(self, url: str) -> str | None:
        """Checked again at send time: a name may have been pointed at a private address since
        the subscription was made."""
        cached = self._resolved.get(url)
        if cached and time.monotonic() - cached[0] < RESOLVE_CACHE_SECONDS:
            return cached[1]
        try:
            target = policy.parse_target(url)
            found = [target.host] if target.literal else self.resolve(target.host, target.port)
            policy.check_addresses(target.host, found)
            reason = None
        except policy.PolicyError as exc:
            reason = exc.message
        self._resolved[url] = (time.monotonic(), reason)
        return reason


def start_background(app: Any) -> Dispatcher | None:
    """The dispatcher thread of the embedded setup (``python run.py``): a daemon that ends with
    the process (or when its ``stop`` is set). None when ``DISPATCHER_THREAD`` is off."""
    if not thread_enabled(app.config):
        return None
    worker = Dispatcher(
        app.extensions["tracking.sessionmaker"],
        settings_from(app.config),
        read_sessions=app.extensions["tracking.read_sessionmaker"],
        name=worker_name(0) + ":thread",
    )
    worker.thread = threading.Thread(target=worker.run, name="dispatcher", daemon=True)
    worker.thread.start()
    log.info("dispatcher thread started (%s)", worker.name)
    return worker
