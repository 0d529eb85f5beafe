# One image for every Recgraph service; the command picks the role
# (see docker-compose.yml and k8s/). Runs TypeScript from source via tsx,
# exactly as `npm start` does locally.
FROM node:20.19-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages ./packages
COPY gateway/package.json gateway/
COPY subgraphs ./subgraphs
COPY streaming/package.json streaming/
COPY bench/package.json bench/
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.base.json ./
RUN npm ci --omit=dev --ignore-scripts=false

FROM node:20.19-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY --from=deps /app /app
COPY . .
USER node
EXPOSE 4000
CMD ["npx", "tsx", "gateway/src/index.ts"]
