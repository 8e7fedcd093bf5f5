"""GStreamer RTSP server run by the SYSTEM python (/usr/bin/python3 has python3-gi).

Standalone script: no imports from this package. It serves H.264 (or H.265) at
rtsp://127.0.0.1:PORT/stream1 from raw BGR frames on stdin (--source scene) or from
videotestsrc (--source pattern), with a G.711 A-law tone track (--audio pcma), prints
"RTSP <url>" once listening, and exits when stdin closes or on SIGTERM.
"""

from __future__ import annotations

import argparse
import math
import sys
import threading
from typing import Any

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstRtsp", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

ENCODE = {
    "h264": "x264enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate=1024 ! "
            "rtph264pay name=pay0 pt=96 config-interval=1",
    "h265": "x265enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate=1024 ! "
            "video/x-h265,profile=main ! rtph265pay name=pay0 pt=96 config-interval=1",
}


def _launch(args: argparse.Namespace) -> str:
    caps = f"width={args.width},height={args.height},framerate={args.fps}/1"
    if args.source == "pattern":
        src = (
            f"videotestsrc is-live=true pattern=ball ! video/x-raw,{caps} ! "
            f'textoverlay text="{args.name}" valignment=top halignment=left ! '
            "clockoverlay valignment=bottom halignment=left"
        )
    else:
        src = (
            "appsrc name=src is-live=true do-timestamp=true format=time "
            f"caps=video/x-raw,format=BGR,{caps} ! videoconvert ! video/x-raw,format=I420"
        )
    audio = ""
    if args.audio == "pcma":  # the camera's microphone: a 1 kHz tone, G.711 A-law, 8 kHz
        # an appsrc like the video's (audiotestsrc would make the media seekable, and the
        # appsrc video then fails the PLAY's seek)
        audio = (" appsrc name=asrc is-live=true do-timestamp=true format=time "
                 "caps=audio/x-raw,format=S16LE,rate=8000,channels=1,layout=interleaved ! "
                 "alawenc ! rtppcmapay name=pay1 pt=8")
    return f"( {src} ! {ENCODE[args.codec].format(gop=args.fps)}{audio} )"


#: 20 ms of a 1 kHz sine at 8 kHz, 30 % of full scale (a period is 8 samples: it repeats)
TONE = b"".join(round(0.3 * 32767 * math.sin(2 * math.pi * n / 8)).to_bytes(2, "little",
                                                                           signed=True)
                for n in range(160))


class ToneFeed:
    """The microphone: 20 ms of the tone into every configured audio appsrc, every 20 ms."""

    def __init__(self) -> None:
        self.sources: list[Any] = []

    def push(self) -> bool:
        for src in list(self.sources):
            if src.emit("push-buffer", Gst.Buffer.new_wrapped(TONE)) != Gst.FlowReturn.OK:
                self.sources.remove(src)
        return True

    def on_configure(self, _factory: Any, media: Any) -> None:
        src = media.get_element().get_child_by_name("asrc")
        if src is not None:
            self.sources.append(src)


class FrameFeed:
    """Latest frame from stdin, pushed into every configured appsrc at the frame rate."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.latest: bytes | None = None
        self.sources: list[Any] = []
        self.lock = threading.Lock()

    def read_stdin(self, loop: Any) -> None:
        while True:
            data = sys.stdin.buffer.read(self.size)
            if len(data) < self.size:
                loop.quit()
                return
            with self.lock:
                self.latest = data

    def push(self) -> bool:
        with self.lock:
            data = self.latest
        if data is None:
            return True
        for src in list(self.sources):
            if src.emit("push-buffer", Gst.Buffer.new_wrapped(data)) != Gst.FlowReturn.OK:
                self.sources.remove(src)
        return True

    def on_configure(self, _factory: Any, media: Any) -> None:
        src = media.get_element().get_child_by_name("src")
        if src is not None:
            self.sources.append(src)


def _require_auth(server: Any, factory: Any, credentials: str, digest: bool) -> None:
    """Only a client with these credentials (Basic or Digest) may DESCRIBE and PLAY /stream1."""
    user, _, password = credentials.partition(":")
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "viewer")
    if digest:
        auth.add_digest(user, password, token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    else:
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    for permission in (
        GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS,
        GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
    ):
        permissions.add_permission_for_role("viewer", permission, True)
    factory.set_permissions(permissions)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--fps", type=int, default=5)
    parser.add_argument("--name", default="camera")
    parser.add_argument("--codec", choices=sorted(ENCODE), default="h264")
    parser.add_argument("--source", choices=["scene", "pattern"], default="scene")
    parser.add_argument("--audio", choices=["none", "pcma"], default="none")
    parser.add_argument("--protocols", choices=["any", "tcp", "udp"], default="any",
                        help="RTP transports the server accepts")
    parser.add_argument("--basic-auth", metavar="USER:PASSWORD",
                        help="require RTSP Basic authentication")
    parser.add_argument("--digest-auth", metavar="USER:PASSWORD",
                        help="require RTSP Digest authentication")
    args = parser.parse_args()
    Gst.init(None)
    loop = GLib.MainLoop()
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(_launch(args))
    factory.set_shared(True)
    if args.protocols != "any":
        lower = GstRtsp.RTSPLowerTrans
        factory.set_protocols(lower.TCP if args.protocols == "tcp" else lower.UDP)
    if args.basic_auth or args.digest_auth:
        _require_auth(server, factory, args.basic_auth or args.digest_auth, bool(args.digest_auth))
    if args.source == "scene":
        feed = FrameFeed(args.width * args.height * 3)
        factory.connect("media-configure", feed.on_configure)
        GLib.timeout_add(max(1, 1000 // args.fps), feed.push)
        threading.Thread(target=feed.read_stdin, args=(loop,), daemon=True).start()
    if args.audio != "none":
        tone = ToneFeed()
        factory.connect("media-configure", tone.on_configure)
        GLib.timeout_add(20, tone.push)
    server.get_mount_points().add_factory("/stream1", factory)
    if server.attach(None) == 0:
        print("ERROR cannot attach RTSP server", flush=True)
        return 1
    print(f"RTSP rtsp://127.0.0.1:{server.get_bound_port()}/stream1", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
