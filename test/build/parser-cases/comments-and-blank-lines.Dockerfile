# leading comment

FROM alpine
   # indented comment
RUN echo "# not a comment"

#RUN hidden
