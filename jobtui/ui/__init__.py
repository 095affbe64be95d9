"""jobtui's full-screen app: a command bar, a live job table and an output pane over the engine.

Nothing here runs jobs: the engine does, on its own threads; this package only shows them and
turns keys and command lines into calls on the engine and the command language.
"""
