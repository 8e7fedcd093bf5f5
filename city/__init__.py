"""The campus safety platform: every school of a city on one console (issue 14).

Schools' hubs publish over MQTT to a clustered broker (RabbitMQ with its MQTT plugin and
quorum queues); stateless workers apply what arrives to PostgreSQL; the console shows it and
sends commands back down. It may import hub/ for shared types; hub/ never imports city/.
"""
