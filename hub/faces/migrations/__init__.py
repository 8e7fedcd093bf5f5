MODELS = "hub.faces.models"
