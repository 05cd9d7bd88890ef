"""A client for ML Service's HTTP API in one file, standard library only (Python 3.8+).

Copy this file next to your code; nothing to install. Calls answer the service's JSON as
plain dicts (the shapes /openapi.json documents); an error answer raises MLServiceError with
the service's ``{"error": {"code", "message", "details"}}`` fields.

    from mlservice_client import Client

    ml = Client("http://127.0.0.1:8085", token="mls_...")   # or admin_token=..., or ml.login(...)
    job = ml.train("iris", target_field="species", items=rows)
    ml.wait_job(job["job_id"])
    print(ml.predict("iris", [{"sepal_length": 5.1, "sepal_width": 3.5, ...}])["predictions"])
"""

import json
import os
import time
import uuid
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["Client", "MLServiceError"]
__version__ = "0.1.0"


class MLServiceError(Exception):
    """An answer with status 4xx/5xx: ``status``, and the service's ``code``, ``message``, ``details``."""

    def __init__(self, status, code, message, details=None, retry_after=None):
        super().__init__("%s %s: %s" % (status, code, message))
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        #: seconds to wait before trying again (429, and 503 while a model trains), when the service said
        self.retry_after = retry_after


class Client:
    """One service. ``token``: an API token (mls_...) or a session token; ``admin_token``: ML_ADMIN_API_TOKEN."""

    def __init__(self, base_url="http://127.0.0.1:8085", token=None, admin_token=None, timeout=60.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.admin_token = admin_token
        self.timeout = timeout

    # -- plumbing -----------------------------------------------------------------------

    def _headers(self, extra=None):
        headers = {"Accept": "application/json", "User-Agent": "mlservice-client-python/" + __version__}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        if self.admin_token:
            headers["X-Admin-Token"] = self.admin_token
        headers.update(extra or {})
        return headers

    def request(self, method, path, json_body=None, query=None, body=None, headers=None):
        """Any route: ``method``, ``path`` ("/models"), a JSON body or raw ``body`` bytes, ``query`` dict."""
        url = self.base_url + path
        if query:
            pairs = [(k, str(v).lower() if isinstance(v, bool) else v) for k, v in query.items() if v is not None]
            url += "?" + urllib.parse.urlencode(pairs)
        extra = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            extra["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=body, method=method, headers=self._headers(extra))
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                return _decode(res.read(), res.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as e:
            raise _error(e) from None

    # -- health -------------------------------------------------------------------------

    def health(self):
        return self.request("GET", "/health")

    def ready(self):
        """True when ``/readyz`` says the service can serve (database, store, kernels, models)."""
        try:
            return self.request("GET", "/readyz")["status"] == "ok"
        except MLServiceError as e:
            if e.status == 503:
                return False
            raise

    # -- accounts -----------------------------------------------------------------------

    def login(self, username, password):
        """Signs in and uses the session token from now on; answers the session."""
        session = self.request("POST", "/auth/login", {"username": username, "password": password})
        self.token = session["access_token"]
        return session

    def user_info(self):
        return self.request("GET", "/auth/user-info")

    # -- datasets -----------------------------------------------------------------------

    def upload_dataset(self, path, name=None):
        """Uploads a CSV file (multipart ``file`` and ``name``); answers the stored dataset with its ``id``."""
        with open(path, "rb") as f:
            content = f.read()
        boundary = "mlservice-" + uuid.uuid4().hex
        filename = os.path.basename(path).replace('"', "")
        parts = []
        if name is not None:
            parts.append(
                b'--%s\r\nContent-Disposition: form-data; name="name"\r\n\r\n%s\r\n'
                % (boundary.encode(), name.encode("utf-8"))
            )
        parts.append(
            b'--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\nContent-Type: text/csv\r\n\r\n'
            % (boundary.encode(), filename.encode("utf-8"))
        )
        body = b"".join(parts) + content + b"\r\n--%s--\r\n" % boundary.encode()
        return self.request(
            "POST",
            "/datasets/upload",
            body=body,
            headers={"Content-Type": "multipart/form-data; boundary=" + boundary},
        )

    def datasets(self, limit=50, offset=0, name=None):
        return self.request("GET", "/datasets", query={"limit": limit, "offset": offset, "name": name})

    # -- training and jobs --------------------------------------------------------------

    def train(self, model_key, target_field, items=None, dataset_id=None, **options):
        """Queues a training job from ``items`` (a list of dicts) or a ``dataset_id``.

        ``options`` are the other POST /train fields: ``task_type``, ``feature_fields``,
        ``model_type`` ("mlp" or "linear"), ``hyperparameters`` (a dict), ``validation_split`` ...
        Answers ``{"job_id", "status", "model_key", "version", "estimated_time"}``.
        """
        body = {"model_key": model_key, "target_field": target_field}
        if items is not None:
            body["items"] = items
        if dataset_id is not None:
            body["dataset_id"] = dataset_id
        body.update(options)
        return self.request("POST", "/train", body)

    def job(self, job_id):
        return self.request("GET", "/jobs/" + urllib.parse.quote(job_id, safe=""))

    def jobs(self, status=None, type=None, model_key=None, limit=50, offset=0):
        query = {"status": status, "type": type, "model_key": model_key, "limit": limit, "offset": offset}
        return self.request("GET", "/jobs", query=query)

    def cancel_job(self, job_id):
        return self.request("POST", "/jobs/%s/cancel" % urllib.parse.quote(job_id, safe=""))

    def wait_job(self, job_id, timeout=600.0, poll=0.5):
        """Polls the job until it completes; raises MLServiceError if it fails or is cancelled, TimeoutError after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["status"] == "completed":
                return job
            if job["status"] in ("failed", "cancelled"):
                raise MLServiceError(200, "job_" + job["status"], job.get("error") or job["status"], job)
            if time.monotonic() > deadline:
                raise TimeoutError("job %s still %s after %ss" % (job_id, job["status"], timeout))
            time.sleep(poll)

    # -- models and predictions ---------------------------------------------------------

    def models(self, limit=100, offset=0):
        """A page of models: ``{"models": [...], "total", "limit", "offset"}``."""
        return self.request("GET", "/models", query={"limit": limit, "offset": offset})

    def model(self, model_key):
        return self.request("GET", "/models/" + urllib.parse.quote(model_key, safe=""))

    def versions(self, model_key):
        return self.request("GET", "/models/%s/versions" % urllib.parse.quote(model_key, safe=""))

    def rollback(self, model_key, version):
        key = urllib.parse.quote(model_key, safe="")
        return self.request("POST", "/models/%s/rollback/%s" % (key, urllib.parse.quote(version, safe="")))

    def predict(self, model_key, data, version=None):
        """Predictions for ``data`` (one dict or a list of dicts), in order.

        Up to ML_SYNC_PREDICT_MAX_ROWS rows answer ``{"predictions": [...], ...}`` at once; more
        rows answer ``{"job_id", "status": "queued"}``: pass it to ``prediction_results``.
        """
        body = {"model_key": model_key, "data": data}
        if version is not None:
            body["version"] = version
        return self.request("POST", "/predict", body)

    def prediction_results(self, job_id, timeout=600.0):
        """The predictions of a queued prediction job, once it has run."""
        self.wait_job(job_id, timeout=timeout)
        return self.request("GET", "/predict/" + urllib.parse.quote(job_id, safe=""))

    def feedback(self, prediction_id, label):
        """The true label (or value) of a logged prediction, for monitoring and retraining."""
        return self.request("POST", "/feedback", {"prediction_id": prediction_id, "label": label})

    # -- monitoring ---------------------------------------------------------------------

    def drift_check(self, model_key=None):
        """Checks one model now (its report), or queues a check of all models (a job)."""
        return self.request("POST", "/drift/check", {} if model_key is None else {"model_key": model_key})

    def alerts(self, status="open", limit=50, offset=0):
        return self.request("GET", "/health/alerts", query={"status": status, "limit": limit, "offset": offset})


def _decode(raw, content_type):
    if "json" in content_type:
        return json.loads(raw.decode("utf-8")) if raw else None
    return raw.decode("utf-8")


def _error(e):
    raw = e.read()
    retry = e.headers.get("Retry-After") if e.headers else None
    try:
        err = json.loads(raw.decode("utf-8"))["error"]
        code, message, details = err.get("code"), err.get("message"), err.get("details")
    except (ValueError, KeyError, TypeError, AttributeError):
        code, message, details = "http_%d" % e.code, raw.decode("utf-8", "replace")[:500] or str(e.reason), None
    return MLServiceError(e.code, code, message, details, int(retry) if retry and retry.isdigit() else None)
