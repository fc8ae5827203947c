# a comment first
# escape=`
FROM alpine
RUN echo `
ENV A=b
