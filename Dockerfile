# syntax=docker/dockerfile:1
#
# Both images from one file: `pnpm images`, or
#   docker build --target backend  -t meshtrace/backend:0.1.0 .
#   docker build --target frontend -t meshtrace/frontend:0.1.0 .
#
# Stages: pnpm (toolchain) -> deps (lockfile only) -> build (tsc + pnpm deploy)
# -> runtime (Node and the deployed folder, nothing else) -> backend / frontend.

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
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch

FROM deps AS build
COPY package.json tsconfig.base.json ./
COPY packages packages
COPY services services
RUN pnpm install --frozen-lockfile --offline
# The two services and the packages they reference (trace-tools is a dev tool, not in any image).
RUN pnpm exec tsc --build services/backend services/frontend
# `deploy` copies each service with its production dependencies only (workspace packages included
# as real folders), so the runtime needs neither pnpm nor the workspace.
RUN pnpm --filter ./services/backend deploy --prod /deploy/backend \
 && pnpm --filter ./services/frontend deploy --prod /deploy/frontend

FROM ${NODE_IMAGE} AS runtime
# Nothing installs packages at run time: drop npm, corepack and yarn from the image.
RUN rm -rf /usr/local/lib/node_modules /opt/yarn-* \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg
ENV NODE_ENV=production
WORKDIR /app
# The image's `node` user, by number: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 1000:1000

FROM runtime AS backend
# Owned by root and read-only to the app, so it also runs with readOnlyRootFilesystem.
COPY --from=build /deploy/backend /app
EXPOSE 5678
CMD ["node", "--import", "@meshtrace/tracing/register", "dist/server.js"]

FROM runtime AS frontend
COPY --from=build /deploy/frontend /app
EXPOSE 8080
CMD ["node", "--import", "@meshtrace/tracing/register", "dist/server.js"]
