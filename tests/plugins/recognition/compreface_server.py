"""A small server speaking CompreFace's recognition REST API, for tests on 127.0.0.1.

It implements the endpoints the compreface plugin uses (docs/Rest-API-description.md of
CompreFace): add an example, recognize, list/delete examples, delete a subject; api-key
check; error bodies `{"message", "code"}` (code 28: no face). Faces are found and embedded
by our own onnx pipeline, so the answers are real; similarity is (1 + cosine) / 2.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from aiohttp import web

from plugins.recognition.onnx_face.denormals import flushed_denormals
from plugins.recognition.onnx_face.pipeline import FacePipeline

API_KEY = "00000000-0000-0000-0000-000000000001"


@dataclass
class FakeCompreFace:
    """State of the fake service: the pipeline and the face collection."""

    pipeline: FacePipeline
    faces: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)
    requests: int = 0
    fail_next: int = 0

    def app(self) -> web.Application:
        """Return the aiohttp application."""
        app = web.Application(middlewares=[self._auth], client_max_size=5 * 1024 * 1024)
        app.router.add_post("/api/v1/recognition/faces", self.add_example)
        app.router.add_get("/api/v1/recognition/faces", self.list_examples)
        app.router.add_delete("/api/v1/recognition/faces/{image_id}", self.delete_example)
        app.router.add_delete("/api/v1/recognition/subjects/{subject}", self.delete_subject)
        app.router.add_post("/api/v1/recognition/recognize", self.recognize)
        return app

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests += 1
        if self.fail_next > 0:
            self.fail_next -= 1
            return _error(500, "Something went wrong, please try again", 0)
        if request.headers.get("x-api-key") != API_KEY:
            return _error(401, "Missing header: x-api-key", 20)
        response: web.StreamResponse = await handler(request)
        return response

    async def _faces(self, request: web.Request) -> list[Any]:
        post = await request.post()
        upload = post.get("file")
        if not isinstance(upload, web.FileField):
            raise web.HTTPBadRequest(text='{"message": "file is missing", "code": 0}',
                                     content_type="application/json")
        data = upload.file.read()
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise web.HTTPBadRequest(text='{"message": "File is not an image", "code": 26}',
                                     content_type="application/json")
        det = float(request.query.get("det_prob_threshold", "0.8"))
        found = await asyncio.to_thread(_analyze, self.pipeline, np.asarray(image, np.uint8))
        return [f for f in found if f.score >= det and f.embedding is not None]

    async def add_example(self, request: web.Request) -> web.Response:
        subject = request.query.get("subject", "")
        faces = await self._faces(request)
        if not faces:
            return _error(400, "No face is found in the given image", 28)
        biggest = max(faces, key=lambda f: f.size)
        image_id = str(uuid.uuid4())
        self.faces[image_id] = (subject, biggest.embedding)
        return web.json_response({"image_id": image_id, "subject": subject})

    async def recognize(self, request: web.Request) -> web.Response:
        count = int(request.query.get("prediction_count", "1"))
        faces = await self._faces(request)
        if not faces:
            return _error(400, "No face is found in the given image", 28)
        return web.json_response({"result": [self._result(f, count) for f in faces]})

    def _result(self, face: Any, count: int) -> dict[str, Any]:
        best: dict[str, float] = {}
        for subject, emb in self.faces.values():
            sim = (1.0 + float(emb @ face.embedding)) / 2
            best[subject] = max(sim, best.get(subject, 0.0))
        ranked = sorted(best.items(), key=lambda kv: -kv[1])[:count]
        x1, y1, x2, y2 = (round(v) for v in face.box)
        return {
            "box": {"probability": round(face.score, 5), "x_min": x1, "y_min": y1,
                    "x_max": x2, "y_max": y2},
            "subjects": [{"subject": s, "similarity": round(v, 5)} for s, v in ranked],
        }

    async def list_examples(self, request: web.Request) -> web.Response:
        page, size = int(request.query.get("page", "0")), int(request.query.get("size", "20"))
        items = [{"image_id": i, "subject": s} for i, (s, _) in self.faces.items()]
        chunk = items[page * size : (page + 1) * size]
        pages = (len(items) + size - 1) // size
        return web.json_response({"faces": chunk, "page_number": page, "page_size": size,
                                  "total_pages": pages, "total_elements": len(items)})

    async def delete_example(self, request: web.Request) -> web.Response:
        image_id = request.match_info["image_id"]
        if image_id not in self.faces:
            return _error(404, f"Face with id {image_id} not found", 30)
        subject, _ = self.faces.pop(image_id)
        return web.json_response({"image_id": image_id, "subject": subject})

    async def delete_subject(self, request: web.Request) -> web.Response:
        subject = request.match_info["subject"]
        for image_id in [i for i, (s, _) in self.faces.items() if s == subject]:
            del self.faces[image_id]
        return web.json_response({"subject": subject})


def _analyze(pipeline: FacePipeline, image: np.ndarray) -> list[Any]:
    """Run the models with denormals flushed, as the hub's workers do (a default-executor
    thread may not have them: the embedder is then ~6x slower)."""
    with flushed_denormals():
        return pipeline.analyze(image)


def _error(status: int, message: str, code: int) -> web.Response:
    return web.json_response({"message": message, "code": code}, status=status)
