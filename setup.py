from setuptools import find_packages, setup


def readme():
    with open('README.md', encoding='utf-8') as f:
        return f.read()


def version():
    scope = {}
    with open('mmada/version.py', encoding='utf-8') as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmada',
    version=version(),
    description='Ada-Segment: automated multi-loss adaptation for panoptic '
    'segmentation, on MMDetection 3.x',
    long_description=readme(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmada', 'mmada.*']),
    python_requires='>=3.10',  # torchjd (requirements/runtime.txt)
    # torch and mmcv are installed by tools/install.sh (mmcv 2.1.0 is built
    # from source against the installed torch); see requirements/.
    install_requires=[],
    license='Apache License 2.0',
)
