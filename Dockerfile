# One image for every service and process of motcua (and the web front, services/portal):
#   docker run IMAGE <service> <process>      e.g.  IMAGE intake api  |  IMAGE notify consumer
# Multi-stage (dependencies installed in a build stage, only the virtualenv and the code copied on), no
# compilers or caches in the final stage, non-root (uid 10001), nothing written under / at run time (the
# Kubernetes manifests run it with a read-only root filesystem and an in-memory /tmp), tini as PID 1.
#
# The base image is Docker Hub's python:3.11-slim-bookworm. Pin it by digest when you release:
#   docker buildx imagetools inspect python:3.11-slim-bookworm     (then PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:...)
# (the machine this repository is built and tested on cannot reach Docker Hub, so no digest is guessed here).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /build
COPY requirements-runtime.lock ./
RUN python -m venv /opt/motcua \
 && /opt/motcua/bin/pip install --no-deps --only-binary=:all: -r requirements-runtime.lock \
 && /opt/motcua/bin/pip uninstall --yes pip setuptools
COPY shared/ /app/shared/
COPY services/ /app/services/
COPY deploy/docker/motcua /opt/motcua/bin/motcua
# Byte-code compiled now: the root filesystem is read-only at run time.
RUN /opt/motcua/bin/python -m compileall -q -j 0 /app /opt/motcua/lib

FROM ${PYTHON_IMAGE}
RUN apt-get update \
 && apt-get install --yes --no-install-recommends tini=0.19.0-1* \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 motcua \
 && useradd --system --uid 10001 --gid motcua --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin motcua
COPY --from=build /opt/motcua /opt/motcua
COPY --from=build /app /app
ENV PATH=/opt/motcua/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BIND_HOST=0.0.0.0 \
    MOTCUA_ENV=production
WORKDIR /app
USER 10001:10001
# APIs: intake 8081, workflow 8082, notify 8083, postal 8084, portal 8080; /metrics of every process: 9464
EXPOSE 8080 8081 8082 8083 8084 9464
ENTRYPOINT ["/usr/bin/tini", "--", "motcua"]
CMD ["intake", "api"]
