MODELS = "hub.recognition.models"
