#!/usr/bin/env python
import os
import sys


def main() -> None:
    # `manage.py --env-file /etc/enclave/env <command>`: the deployment's environment, read as
    # systemd reads it and checked line by line (config/envfile.py), never through a shell.
    from config.envfile import EnvFileError, load, take_env_file_option

    try:
        env_file, argv = take_env_file_option(sys.argv)
        if env_file:
            load(env_file)
    except EnvFileError as error:
        sys.exit(f"error: {error}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
