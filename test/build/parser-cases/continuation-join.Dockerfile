FROM alpine
RUN echo a\
b \
   c  \  
d
RUN apk add \
      curl \
      git
