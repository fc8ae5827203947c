# syntax=docker/dockerfile:1.7
#  CHECK = skip=all  
# Escape=`
FROM alpine
RUN echo a `
  b
