# One image definition for every app:  docker build --build-arg APP=lab-center -t hub-lab-center .
# Every image holds all five compiled apps and the scripts (so any one can run the migrations);
# APP picks the one it runs and checks.

# --- build: install with dev dependencies, compile, then drop the dev dependencies ---------------
FROM node:20-bookworm-slim AS build
WORKDIR /hub
COPY package.json package-lock.json ./
# Not `npm ci`: it refuses a lockfile made on another platform; `npm install` honours the lockfile.
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY libs ./libs
COPY apps ./apps
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime: compiled code and production dependencies only, as a non-root user ----------------
FROM node:20-bookworm-slim
ARG APP=gateway
ENV NODE_ENV=production \
    APP=${APP}
WORKDIR /hub
COPY --from=build /hub/package.json ./
COPY --from=build /hub/node_modules ./node_modules
COPY --from=build /hub/dist ./dist
COPY scripts ./scripts
# The image's own user `node` (uid 1000); the code stays root-owned, so the app cannot change it.
USER node
# /health on the app's own port (PORT, LAB_PORT, … or their defaults): see scripts/lib/apps.mjs.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "scripts/healthcheck.mjs"]
# exec: node replaces the shell as PID 1, so the SIGTERM of `docker stop` reaches the app itself.
CMD ["sh", "-c", "exec node dist/apps/${APP}/src/main.js"]
