FROM alpine
CMD []
CMD [""]
CMD [ "a" ,	"b" ]
ENTRYPOINT ["sh", "-c", "echo \"hi\" \u00e9 \/"]
RUN ["echo", "$HOME"]
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
