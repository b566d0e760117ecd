# The API image for docker-compose (machines with a Docker engine).
FROM python:3.11-slim
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY app ./app
COPY access ./access
COPY devtools ./devtools
COPY domain ./domain
COPY graph ./graph
COPY schema ./schema
COPY resolvers ./resolvers
COPY schema.graphql ./
RUN pip install --no-cache-dir --no-deps .
EXPOSE 8000
CMD ["sh", "-c", "referral migrate && referral demo-data --size ${DEMO_SIZE:-10000} && referral serve --host 0.0.0.0 --port 8000"]
