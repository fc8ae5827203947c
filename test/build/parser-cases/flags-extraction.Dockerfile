FROM --platform=$BUILDPLATFORM alpine
COPY --from=build --chown="app user" --link src dst
COPY --exclude=*.md --exclude='*.txt' . /app
COPY -- --not-a-flag dst
COPY --parents -- a/b dst
RUN --mount=type=cache,target=/root/.cache --network=none go build
CMD --unknown ["a"]
