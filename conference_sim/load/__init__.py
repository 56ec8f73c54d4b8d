"""Loading: scenario files and cXML documents into the model, every error located.

Never imports the engine (a test enforces it).
"""
