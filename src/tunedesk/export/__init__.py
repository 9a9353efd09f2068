"""Export a training run: merged safetensors, GGUF (F16 and quantized) for llama.cpp, an Ollama Modelfile."""

from tunedesk.export.check import CheckResult
from tunedesk.export.runfolder import ExportError, ExportToolsMissing, TemplateNotTranslatable
from tunedesk.export.stage import FORMATS, ExportResult, export_run, print_export

__all__ = ["FORMATS", "CheckResult", "ExportError", "ExportResult", "ExportToolsMissing", "TemplateNotTranslatable",
           "export_run", "print_export"]
