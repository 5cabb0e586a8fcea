"""`python -m imagegen.worker`: serve the generation worker on IMAGEGEN_WORKER_PORT."""

import logging

import uvicorn

from imagegen.settings.worker import get_worker_settings
from imagegen.worker.app import create_worker_app

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    s = get_worker_settings()
    s.check_production()
    if s.worker_processes > 1:  # several processes behind one port (jobs spread by the OS)
        uvicorn.run(
            "imagegen.worker.app:create_worker_app",
            factory=True,
            workers=s.worker_processes,
            host=s.worker_host,
            port=s.worker_port,
            log_level="warning",
        )
    else:
        uvicorn.run(
            create_worker_app(s), host=s.worker_host, port=s.worker_port, log_level="warning"
        )
