FROM alpine
RUN apt-get \update && \
  apt-get \"install x
ADD \conf\\" /.conf
LABEL desc=a\ b\"c
