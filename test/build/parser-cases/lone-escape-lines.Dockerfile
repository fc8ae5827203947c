FROM alpine
ENV A hello\
\
world
ENV B hello\
 \
world
