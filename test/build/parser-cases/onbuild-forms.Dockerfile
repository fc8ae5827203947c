FROM alpine
ONBUILD RUN ["echo", "exec"]
ONBUILD RUN echo shell
onbuild copy --chown=1 . /app
