# escape=`

FROM base.example/windows
COPY C:\src\app.exe C:\app\
RUN dir `
    C:\app
ENV P=C:\x\
