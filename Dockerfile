# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript with every dependency, then ship only runtime dependencies.
# Untested here (no Docker engine on the build machines); written against Docker's documented best practices.
# Node 24, the current LTS line; the code runs on 20, 22 and 24 (package.json engines, npm run test:node-versions).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Every workspace's package.json, as the lockfile lists them; the harness and the crowd (dev-only, run with tsx)
# bring no dependencies of their own and no sources into the image.
COPY packages/embedded-mongo/package.json ./packages/embedded-mongo/
COPY packages/harness/package.json ./packages/harness/
COPY packages/crowd/package.json ./packages/crowd/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY packages/embedded-mongo/tsconfig.json packages/embedded-mongo/tsconfig.build.json ./packages/embedded-mongo/
COPY packages/embedded-mongo/src ./packages/embedded-mongo/src
COPY server ./server
RUN npm run build

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/embedded-mongo/package.json ./packages/embedded-mongo/
COPY packages/harness/package.json ./packages/harness/
COPY packages/crowd/package.json ./packages/crowd/
# The embedded database is a workspace package: npm links it into node_modules; its compiled code comes from the
# build stage (production refuses to start without MONGODB_URI, but the app's import of the package must resolve).
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/packages/embedded-mongo/dist ./packages/embedded-mongo/dist
COPY --from=build /app/dist ./dist
COPY client-demo ./client-demo
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/server/index.js"]
