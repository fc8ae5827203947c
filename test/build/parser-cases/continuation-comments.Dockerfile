FROM alpine
RUN echo one \
# a comment between continued lines
  two \
    # an indented comment \
  three
