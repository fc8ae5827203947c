FROM alpine
RUN <<${-: E:}
COPY "<<EOF" /x
RUN echo <<'unterminated
ADD <<- spaced /y
