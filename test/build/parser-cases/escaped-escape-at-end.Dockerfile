FROM alpine
ENV A=C:\\dir\\
ENV B=next
RUN echo x\\ \
y
