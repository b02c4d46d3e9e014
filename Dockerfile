# One image definition for every app: docker build --build-arg APP=lab-center .
FROM node:20-bookworm-slim AS build
WORKDIR /hub
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY libs ./libs
COPY apps ./apps
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ARG APP=gateway
ENV NODE_ENV=production \
    APP=${APP}
WORKDIR /hub
COPY --from=build /hub/node_modules ./node_modules
COPY --from=build /hub/dist ./dist
COPY package.json ./
COPY scripts ./scripts
USER node
# Each app answers /health on its own port (PORT, LAB_PORT, … set in the environment).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "const p=process.env.HEALTH_PORT||process.env.PORT||3000;fetch('http://127.0.0.1:'+p+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "exec node dist/apps/${APP}/src/main.js"]
