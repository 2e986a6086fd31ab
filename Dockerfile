FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY diptych diptych
COPY schema schema
COPY write write
COPY read read
COPY workers workers
RUN pip install --no-cache-dir .
ENV DIPTYCH_HOST=0.0.0.0 DIPTYCH_DATA_DIR=/data
EXPOSE 8000
CMD ["diptych", "serve"]
