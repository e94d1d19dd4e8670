# Both images from one file: `pnpm images`, or
#   docker build --target backend  -t meshtrace/backend:0.1.0 .
#   docker build --target frontend -t meshtrace/frontend:0.1.0 .
#
# Stages: pnpm (toolchain) -> deps (lockfile only) -> build (tsc + pnpm deploy + prune)
# node-only (the Node image without its package managers) -> runtime (that, as one layer)
# -> backend / frontend, each with a compile cache made by {backend,frontend}-compile-cache.
#
# No `# syntax=` line and no BuildKit-only flags: the classic builder, buildah and BuildKit
# all build this file the same way, and nothing is pulled besides NODE_IMAGE.

# One pin for build and runtime, so the deployed node_modules run on the Node they were installed with.
ARG NODE_IMAGE=node:24.21.0-trixie-slim
# Must equal `packageManager` in package.json (test/dockerfile.test.ts checks it).
ARG PNPM_VERSION=12.21.0

FROM ${NODE_IMAGE} AS pnpm
ARG PNPM_VERSION
# From the npm registry, not corepack: corepack downloads pnpm at first use, which breaks offline builds.
RUN npm install --global --no-audit --no-fund "pnpm@${PNPM_VERSION}"
WORKDIR /repo

# The dependency layer: it depends on the lockfile alone, so editing source never re-downloads packages.
FROM pnpm AS deps
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch

FROM deps AS build
COPY package.json tsconfig.base.json ./
COPY packages packages
COPY services services
RUN pnpm install --frozen-lockfile --offline
# The two services and the packages they reference (the frontend's explorer judges traces with
# trace-tools' analysis; the demo and verify CLIs beside it are never run in an image).
RUN pnpm exec tsc --build services/backend services/frontend
# `deploy` copies each service with its production dependencies only (workspace packages included
# as real folders), so the runtime needs neither pnpm nor the workspace. What it copies of a
# service is its package.json `files`: a new folder there reaches the image with no change here.
RUN pnpm --filter ./services/backend deploy --prod /deploy/backend \
 && pnpm --filter ./services/frontend deploy --prod /deploy/frontend
# Nothing at run time reads pnpm's bookkeeping, type definitions, source maps or docs (licence
# files stay): about 19 MB of each deployed folder. test/production-install.test.ts runs this line on a real
# deploy and starts the services from what is left.
RUN rm -f /deploy/*/pnpm-lock.yaml /deploy/*/pnpm-workspace.yaml \
      /deploy/*/node_modules/.modules.yaml /deploy/*/node_modules/.pnpm-workspace-state-v1.json \
      /deploy/*/node_modules/.pnpm/lock.yaml \
 && find /deploy -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \
      -o \( -name '*.md' ! -iname 'licen[cs]e*' \) \) -delete

# The Node image minus what nothing here runs: npm, corepack, yarn, C headers, docs.
# Removing files in a later layer only hides them (a whiteout; the bytes stay in the image),
# so `runtime` copies the result into an empty image as one layer.
FROM ${NODE_IMAGE} AS node-only
RUN rm -rf /usr/local/lib/node_modules /opt/yarn-* /usr/local/include/node /usr/local/share/doc \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg

FROM scratch AS runtime
COPY --from=node-only / /
# `FROM scratch` inherits no environment: the Node image's PATH again.
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production
WORKDIR /app
# The image's `node` user, by number: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 1000:1000

# Node's compile cache, filled at build: each start then reads the code V8 compiled here instead of
# compiling every module again (50–90 ms of a tracing-on start-up, docs/benchmarks.md). Node keys
# the cache by its version, the user id and each file's path, so each service is loaded once at /app,
# as the image's user, on the runtime image itself. Modules loaded later (undici, with downstreams)
# are compiled as before: a read-only cache is only read. `--chown=0:0`: the builder would keep the
# build user's ownership, and the app must not be able to rewrite what it runs.
FROM runtime AS backend-compile-cache
COPY --from=build /deploy/backend /app
RUN NODE_COMPILE_CACHE=/tmp/compile-cache \
      node --import @meshtrace/tracing/register --input-type=module -e "await import('./dist/app.js')" \
 && chmod -R a+rX /tmp/compile-cache

FROM runtime AS frontend-compile-cache
COPY --from=build /deploy/frontend /app
RUN NODE_COMPILE_CACHE=/tmp/compile-cache \
      node --import @meshtrace/tracing/register --input-type=module -e "await import('./dist/app.js')" \
 && chmod -R a+rX /tmp/compile-cache

# ENTRYPOINT, not CMD: like hashicorp/http-echo, arguments are flags for the service,
# `docker run IMAGE -text=hi -listen=:5678` or Kubernetes `args: ["-text=hi"]`. With only a
# CMD the Node image's entrypoint would run them as `node -text=hi`.
FROM runtime AS backend
# Owned by root and read-only to the app, so it also runs with readOnlyRootFilesystem.
COPY --from=build /deploy/backend /app
COPY --chown=0:0 --from=backend-compile-cache /tmp/compile-cache /app/.compile-cache
ENV NODE_COMPILE_CACHE=/app/.compile-cache
EXPOSE 5678
ENTRYPOINT ["node", "--import", "@meshtrace/tracing/register", "dist/server.js"]

FROM runtime AS frontend
COPY --from=build /deploy/frontend /app
COPY --chown=0:0 --from=frontend-compile-cache /tmp/compile-cache /app/.compile-cache
ENV NODE_COMPILE_CACHE=/app/.compile-cache
EXPOSE 8080
ENTRYPOINT ["node", "--import", "@meshtrace/tracing/register", "dist/server.js"]
