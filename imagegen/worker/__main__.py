"""`python -m imagegen.worker`: serve the generation worker on IMAGEGEN_WORKER_PORT."""

import logging

import uvicorn

from imagegen.settings import get_settings
from imagegen.worker.app import create_worker_app

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    s = get_settings()
    s.check_production()
    uvicorn.run(create_worker_app(s), host="127.0.0.1", port=s.worker_port, log_level="warning")
